// Benchmarks: `dotnet run -c Release --project bench/Changwen.Bench -- <name> [args]`. Figures go in docs/benchmarks.md.
using Changwen.Bench;

var benchmarks = new Dictionary<string, Func<string[], int>>
{
    ["segment"] = SegmentBenchmark.Run,
    ["segment-profile"] = SegmentProfile.Run,
    ["segment-compare"] = SegmentCompare.Run,
    ["pooling"] = PoolingSanity.Run,
    ["lstm-step"] = LstmStepBenchmark.Run,
    ["serve-load"] = ServeLoadBenchmark.Run,
    ["torch-compare"] = TorchCompareBenchmark.Run,
    ["step-profile"] = StepProfile.Run,
    ["scalar-race"] = ScalarRace.Run,
    ["onnx-parity"] = OnnxParityBenchmark.Run,
    ["export-ids"] = ExportIds.Run,
    ["corpus"] = CorpusGenerator.Run,
    ["linear-fit"] = LinearFitBenchmark.Run,
    ["linear-dual"] = LinearDualBenchmark.Run,
    ["folder-deps"] = FolderDeps.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine($"usage: Changwen.Bench <benchmark> [args]; benchmarks: {string.Join(", ", benchmarks.Keys)}");
    return 2;
}
return benchmark(args[1..]);

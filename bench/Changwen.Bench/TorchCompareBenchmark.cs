using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Changwen.Data;
using Changwen.IO;
using Changwen.Models;
using Changwen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Bench;

/// <summary>
/// <c>torch-compare [--reps N] [--warmup W] [--cases a,b] [--threads K] [--json PATH] [--quick] [--python PATH] [--reference-lib-path DIR]</c>
/// (issue 8): Changwen against a PyTorch reference (bench/reference/torch_reference.py), case by case. Each repetition
/// times Changwen in this process and then the reference in a fresh Python process, alternating, so drifting load
/// touches both sides alike. Changwen's side is the product code: models from <see cref="ModelFactory"/>, the training
/// step <see cref="Trainer.Step"/>, inference through <see cref="Predictor"/>. Both sides draw the same batch (64 rows,
/// SplitMix64, seed 1: lengths uniform in [T/2, T], ids in [1, vocab), post-padded with 0), checked by the ids' sum.
/// Prints a markdown table of medians (training: ms per step; inference: documents/s) and the ratio Changwen/PyTorch,
/// plus both builds' FP32 matmul GFLOP/s, since the BLAS each side links decides much of the outcome.
/// <c>--quick</c> shrinks every case (T ≤ 50, vocabulary 1,000, 256² matmul) to check that the harness runs.
/// </summary>
public static class TorchCompareBenchmark
{
    internal const int Classes = 14;
    private const int Seed = 1;

    /// <summary>One measured case; <see cref="Model"/> is the reference's --model name.</summary>
    private sealed record Case(string Name, string Model, int Length, int Batch, bool Train)
    {
        /// <summary>Forward passes per inference repetition (a single batch-1 pass is too short to time alone).</summary>
        public int Iterations => Train ? 1 : Batch == 1 ? 20 : 2;
    }

    private static readonly Case[] AllCases =
    [
        new("train-lstm-50", "lstm", 50, 64, true),
        new("train-lstm-500", "lstm", 500, 64, true),
        new("train-lstm-3000", "lstm", 3000, 64, true),
        new("train-mergenet-500", "mergenet", 500, 64, true),
        new("train-mergenet-3000", "mergenet", 3000, 64, true),
        new("train-lstm-fixed-500", "lstm-fixed", 500, 64, true),
        new("infer-lstm-fixed-500-b1", "lstm-fixed", 500, 1, false),
        new("infer-lstm-fixed-500-b64", "lstm-fixed", 500, 64, false),
    ];

    public static int Run(string[] args)
    {
        var reps = 5;
        var warmup = 1;
        var threadsArg = 0;
        string? json = null;
        string[]? filter = null;
        var quick = false;
        var python = "/usr/bin/python3";
        string? libPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--reps": reps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threadsArg = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--json": json = Next(); break;
                case "--cases": filter = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--quick": quick = true; break;
                case "--python": python = Next(); break;
                case "--reference-lib-path": libPath = Next(); break;
                default:
                    Console.Error.WriteLine($"torch-compare: unknown argument {args[i]}; cases: {string.Join(", ", AllCases.Select(c => c.Name))}");
                    return 2;
            }
        }
        if (reps < 1 || warmup < 0) { Console.Error.WriteLine("torch-compare: --reps must be ≥ 1 and --warmup ≥ 0"); return 2; }

        var cases = AllCases.Where(c => filter is null || filter.Any(f => c.Name.Contains(f, StringComparison.Ordinal))).ToArray();
        if (cases.Length == 0) { Console.Error.WriteLine($"torch-compare: no case matches; cases: {string.Join(", ", AllCases.Select(c => c.Name))}"); return 2; }
        var threads = TorchRuntime.SetThreads(threadsArg);
        TorchRuntime.KeepFreedMemory();   // as Trainer.Train does: the training cases are its steps
        var vocab = quick ? 1000 : 50_000;
        var matmulSize = quick ? 256 : 1024;
        var script = Path.Combine(RepoRoot(), "bench", "reference", "torch_reference.py");
        // Changwen asks libgomp for passive waiting (TorchRuntime); the reference gets the same policy so only the code differs.
        var waitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE";
        var reference = new Reference(python, script, threads, vocab, waitPolicy, libPath);

        Console.Error.WriteLine($"torch-compare: {cases.Length} case(s), {reps} rep(s), warmup {warmup}, {threads} thread(s), OMP_WAIT_POLICY={waitPolicy}{(quick ? ", QUICK (shrunk shapes: not a measurement)" : "")}");
        var csMatmul = MatmulGflops(matmulSize);
        var pyMatmul = reference.Run(["--mode", "matmul", "--size", matmulSize.ToString(CultureInfo.InvariantCulture)]);

        var results = new List<CaseResult>();
        foreach (var c in cases)
        {
            var length = quick ? Math.Clamp(c.Length / 60, 24, 50) : c.Length;
            var (cs, pyRuns) = (new List<double>(), new List<double>());
            using (var side = new ChangwenSide(c, length, vocab))
            {
                for (var w = 0; w < warmup; w++) side.Measure();
                for (var r = 0; r < reps; r++)
                {
                    cs.Add(side.Measure());
                    var py = reference.Run(["--model", c.Model, "--len", Str(length), "--batch", Str(c.Batch), "--mode", c.Train ? "train" : "infer",
                        "--reps", "1", "--warmup", Str(warmup), "--iters", Str(c.Iterations), "--pkernel", Str(PoolKernel(c))]);
                    if (py["id_sum"]!.GetValue<long>() != side.IdSum)
                        throw new InvalidOperationException($"{c.Name}: the reference drew a different batch (id sum {py["id_sum"]} against {side.IdSum})");
                    pyRuns.Add(py[c.Train ? "ms" : "docs_per_s"]!.AsArray().Single()!.GetValue<double>());
                    Console.Error.WriteLine($"  {c.Name} rep {r + 1}/{reps}: Changwen {cs[^1]:F1}, PyTorch {pyRuns[^1]:F1} {(c.Train ? "ms" : "docs/s")}");
                }
            }
            var (csMedian, pyMedian) = (Median(cs), Median(pyRuns));
            // Training figures are ms per step, inference figures documents/s: either way the ratio is of times.
            double? Gflops(double ms) => c.Train ? StepFlops(c, length) / (ms / 1000) / 1e9 : null;
            results.Add(new CaseResult(c.Name, c.Model, length, c.Batch, c.Train ? "ms_per_step" : "docs_per_s", cs, pyRuns, csMedian, pyMedian,
                c.Train ? csMedian / pyMedian : pyMedian / csMedian, Gflops(csMedian), Gflops(pyMedian)));
        }

        var report = new Report(quick, threads, waitPolicy, reps, warmup, vocab, libPath, csMatmul, matmulSize,
            pyMatmul["gflops"]!.GetValue<double>(), pyMatmul["torch_version"]!.GetValue<string>(),
            pyMatmul["blas"]!.AsArray().Select(b => b!.GetValue<string>()).ToArray(), results);
        Console.WriteLine(Markdown(report));
        if (json is not null) AtomicFile.WriteAllText(json, Json.Serialize(report));
        return 0;
    }

    /// <summary>
    /// The multiply-add work of one training step, in FLOPs: the LSTM's gate matmuls, 2·B·T·4H·(E+H) forward (input and
    /// recurrent), and MergeNet's Conv1d, 2·B·(T−k+1)·E·E·k, each counted three times for forward plus backward (the
    /// backward pass computes two products per forward one). The embedding lookup, the element-wise gate arithmetic and
    /// Adam's update are left out, so the GFLOP/s derived from it is a lower bound of what the step achieves.
    /// </summary>
    private static double StepFlops(Case c, int length)
    {
        const double B = 64, E = 128, H = 128, K = 3;
        double lstmSteps = length, conv = 0;
        if (c.Model == "mergenet")
        {
            var convOut = length - K + 1;
            conv = 2 * B * convOut * E * E * K;
            lstmSteps = Math.Floor(convOut / PoolKernel(c));
        }
        return 3 * (conv + 2 * B * lstmSteps * 4 * H * (E + H));
    }

    /// <summary>MergeNet's MaxPool1d kernel: 10 at 500 words, 20 at 3000 (from the case's full length, also under --quick).</summary>
    private static int PoolKernel(Case c) => c.Length >= 3000 ? 20 : 10;

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Changwen's side of one case: the model built by ModelFactory, the batch, and one timed repetition.</summary>
    private sealed class ChangwenSide : IDisposable
    {
        private readonly Case c;
        private readonly TextClassifierModel model;
        private readonly EncodedDataset data;
        private readonly Batch batch;
        private readonly Adam? optimizer;
        private readonly double? clip;

        public ChangwenSide(Case c, int length, int vocab)
        {
            this.c = c;
            (model, clip) = CreateModel(c.Model, PoolKernel(c), vocab);
            data = DrawBatch(c.Batch, length, vocab);
            IdSum = data.Ids.Sum(id => (long)id);
            batch = Batch.Create(data, Enumerable.Range(0, c.Batch).ToArray());
            if (c.Train)
            {
                model.train();
                optimizer = new Adam(model.parameters(), new OptimizerOptions().Lr);
            }
        }

        public long IdSum { get; }

        /// <summary>Training: milliseconds of one <see cref="Trainer.Step"/> with the loss read back (as the trainer does);
        /// inference: documents/s over <see cref="Case.Iterations"/> calls of <see cref="Predictor.PredictProbabilities"/>.</summary>
        public double Measure()
        {
            var clock = Stopwatch.StartNew();
            if (c.Train)
            {
                using var scope = NewDisposeScope();
                var (_, loss, _) = Trainer.Step(model, optimizer!, batch, clip);
                loss.item<float>();
                return clock.Elapsed.TotalMilliseconds;
            }
            for (var i = 0; i < c.Iterations; i++) Predictor.PredictProbabilities(model, data, c.Batch);
            return c.Batch * c.Iterations / clock.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            optimizer?.Dispose();
            batch.Dispose();
            model.Dispose();
        }
    }

    /// <summary>The reference's --model names as Changwen models, with the gradient clipping each trains with.</summary>
    internal static (TextClassifierModel Model, double? Clip) CreateModel(string name, int poolKernel, int vocab)
    {
        var options = name switch
        {
            // The post's networks: the final column, libtorch's forget-gate bias, no clipping.
            "lstm" => new ModelOptions { Kind = ModelKind.Lstm, Pool = PoolKind.Last, ForgetBias = null },
            "mergenet" => new ModelOptions { Kind = ModelKind.Mergenet, Pool = PoolKind.Last, ForgetBias = null, PkernelSize = poolKernel },
            // Changwen's fixes: forget-gate bias 1 and the optimiser's default clipping, with mean pooling as measured
            // (the reference mirrors it; the default is now max pooling, which costs the same).
            "lstm-fixed" => new ModelOptions { Pool = PoolKind.Mean },
            _ => throw new ArgumentException($"unknown model {name}: lstm, mergenet or lstm-fixed"),
        };
        return (ModelFactory.Create(options, vocab, Classes, Seed), name == "lstm-fixed" ? new OptimizerOptions().ClipGradNorm : null);
    }

    /// <summary>The batch the reference draws too (make_batch there): SplitMix64 from <see cref="Seed"/>.</summary>
    internal static EncodedDataset DrawBatch(int rows, int length, int vocab)
    {
        var state = (ulong)Seed;
        ulong Next()
        {
            var z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
        var ids = new int[rows * length];
        var lengths = new int[rows];
        var labels = new int[rows];
        var low = length / 2;
        for (var r = 0; r < rows; r++)
        {
            var n = low + (int)(Next() % (ulong)(length - low + 1));
            for (var t = 0; t < n; t++) ids[r * length + t] = 1 + (int)(Next() % (ulong)(vocab - 1));
            lengths[r] = n;
            labels[r] = (int)(Next() % Classes);
        }
        return new EncodedDataset(length, ids, lengths, labels);
    }

    /// <summary>FP32 GFLOP/s of a square matmul, best of three (the reference measures it the same way).</summary>
    private static double MatmulGflops(int size)
    {
        using var scope = NewDisposeScope();
        var (a, b) = (randn(size, size), randn(size, size));
        a.mm(b);
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            a.mm(b);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * size / best / 1e9;
    }

    /// <summary>Runs bench/reference/torch_reference.py and parses the one JSON line it prints.</summary>
    private sealed class Reference(string python, string script, int threads, int vocab, string waitPolicy, string? libPath)
    {
        public JsonObject Run(string[] args)
        {
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            foreach (var a in args) start.ArgumentList.Add(a);
            foreach (var a in new[] { "--threads", Str(threads), "--vocab", Str(vocab), "--classes", Str(Classes), "--seed", Str(Seed) })
                start.ArgumentList.Add(a);
            start.Environment["OMP_WAIT_POLICY"] = waitPolicy;
            // Debian's torch links the system libblas.so.3 (netlib's reference BLAS unless an alternative is chosen);
            // a folder holding another libblas.so.3 (OpenBLAS) gives the reference a tuned BLAS without touching the system.
            if (libPath is not null)
                start.Environment["LD_LIBRARY_PATH"] = libPath + (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } old ? ":" + old : "");
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{python} {script} {string.Join(' ', args)} exited with {process.ExitCode}: {stderr.Result}");
            var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            return JsonNode.Parse(line)!.AsObject();
        }
    }

    /// <summary>The repository root: the folder above bench/ that holds the solution file.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Changwen.slnx"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Changwen.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Changwen.slnx) above the benchmark or the current folder");
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private sealed record CaseResult(string Name, string Model, int Length, int Batch, string Unit,
        IReadOnlyList<double> Changwen, IReadOnlyList<double> Pytorch, double ChangwenMedian, double PytorchMedian, double TimeRatio,
        double? ChangwenGflops, double? PytorchGflops);

    private sealed record Report(bool Quick, int Threads, string OmpWaitPolicy, int Reps, int Warmup, int Vocab, string? ReferenceLibPath,
        double ChangwenMatmulGflops, int MatmulSize, double PytorchMatmulGflops, string PytorchVersion, string[] PytorchBlas,
        IReadOnlyList<CaseResult> Cases);

    private static string Markdown(Report r)
    {
        var text = new StringBuilder();
        if (r.Quick) text.AppendLine("**QUICK run (shrunk shapes, vocabulary 1,000): checks the harness, measures nothing.**\n");
        text.AppendLine($"threads {r.Threads}, OMP_WAIT_POLICY={r.OmpWaitPolicy}, {r.Reps} repetition(s) alternating, warmup {r.Warmup}; PyTorch {r.PytorchVersion} ({string.Join("; ", r.PytorchBlas)}{(r.ReferenceLibPath is null ? ", system libblas.so.3" : $", libblas.so.3 from {r.ReferenceLibPath}")})\n");
        text.AppendLine($"FP32 matmul {r.MatmulSize}³: Changwen (TorchSharp's libtorch) {r.ChangwenMatmulGflops:F1} GFLOP/s, PyTorch {r.PytorchMatmulGflops:F1} GFLOP/s\n");
        text.AppendLine("| case | T | batch | unit | Changwen median | PyTorch median | time Changwen/PyTorch | step GFLOP/s Changwen / PyTorch |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var c in r.Cases)
            text.AppendLine($"| {c.Name} | {c.Length} | {c.Batch} | {(c.Unit == "ms_per_step" ? "ms/step" : "docs/s")} | {c.ChangwenMedian:F1} | {c.PytorchMedian:F1} | " +
                $"{c.TimeRatio:F2} | {(c.ChangwenGflops is { } g ? $"{g:F1} / {c.PytorchGflops:F1}" : "")} |");
        text.AppendLine("\ntime Changwen/PyTorch: training, the ratio of ms per step; inference, of the time per document (PyTorch's docs/s over " +
            "Changwen's). Below 1 Changwen is faster. Step GFLOP/s: the gate matmuls' (and MergeNet's convolution's) FLOPs over the median step time.");
        return text.ToString();
    }
}

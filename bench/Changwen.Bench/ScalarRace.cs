using System.Diagnostics;
using System.Globalization;
using Changwen.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Bench;

/// <summary>
/// <c>scalar-race [--work adam|models] [--adam torchsharp|changwen] [--seconds N] [--params P]</c>: a reproduction of the abort seen in long chinanews
/// runs, not a speed benchmark. TorchSharp's <c>Adam.step</c> passes its coefficients to libtorch as temporary
/// Scalars that nothing references during the native call; here a second thread allocates without pause, so the
/// runtime collects and the finalizer thread frees unreachable Scalars all the time, while one thread takes Adam steps over many small parameters (many native calls per step, so many
/// chances), with TorchSharp's Adam or with Changwen's (<see cref="Training.Adam"/>, which keeps its Scalars alive). It
/// prints the steps taken and ends normally, or the process dies inside libtorch. <c>--work models</c> runs the same
/// race against every model and pooling instead, with dropout: a training step as <c>Trainer.Step</c> takes it
/// (forward, weighted cross-entropy, backward, clipping, Changwen's Adam), then a forward pass in eval mode as a
/// server runs it, on padded batches.
/// </summary>
public static class ScalarRace
{
    public static int Run(string[] args)
    {
        var (ours, seconds, count, work) = (true, 60.0, 500, "adam");
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--adam": ours = Next() switch { "changwen" => true, "torchsharp" => false, var v => throw new ArgumentException($"--adam torchsharp|changwen, got {v}") }; break;
                case "--work": work = Next(); break;
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--params": count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"scalar-race: unknown argument {args[i]}"); return 2;
            }
        }
        TorchRuntime.SetThreads(1);
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            // Allocation, as a server's requests or a progress display allocate, makes the runtime collect on its own.
            var keep = new object[256];
            for (long n = 0; !stop.IsCancellationRequested; n++) keep[n % keep.Length] = new byte[2048];
        }) { IsBackground = true };
        collector.Start();
        var clock = Stopwatch.StartNew();
        var (done, ok) = work switch
        {
            "adam" => RaceAdam(ours, count, () => clock.Elapsed.TotalSeconds < seconds),
            "models" => RaceModels(() => clock.Elapsed.TotalSeconds < seconds),
            _ => throw new ArgumentException($"--work adam|models, got {work}"),
        };
        stop.Cancel();
        collector.Join();
        Console.WriteLine($"scalar-race: {done} in {clock.Elapsed.TotalSeconds:0} s, no abort; results finite: {ok}");
        return ok ? 0 : 1;
    }

    private static (string Done, bool Finite) RaceAdam(bool ours, int count, Func<bool> going)
    {
        random.manual_seed(1);
        var parameters = Enumerable.Range(0, count).Select(_ => new TorchSharp.Modules.Parameter(randn(8))).ToList();
        using var adam = ours ? new Training.Adam(parameters, lr: 0.001) : optim.Adam(parameters, lr: 0.001);
        long steps = 0;
        while (going())
        {
            using var scope = NewDisposeScope();
            foreach (var p in parameters) p.grad = randn(8);
            adam.step();
            steps++;
        }
        var finite = parameters.All(p => p.isfinite().all().item<bool>());
        return ($"Adam {(ours ? "changwen" : "torchsharp")}, {steps:N0} steps × {count} parameters", finite);
    }

    private static (string Done, bool Finite) RaceModels(Func<bool> going)
    {
        const int vocab = 200, classes = 5, rows = 8, width = 40;
        var models = new List<(string Name, TextClassifierModel Model)>();
        var small = new ModelOptions { EmbeddingDim = 8, HiddenDim = 8, PkernelSize = 2, Filters = 4, Dropout = 0.3 };
        foreach (var pool in Enum.GetValues<PoolKind>())
            models.Add(($"lstm {pool}", ModelFactory.Create(small with { Kind = ModelKind.Lstm, Pool = pool }, vocab, classes, seed: 1)));
        models.Add(("lstm bidirectional true-last", ModelFactory.Create(small with { Kind = ModelKind.Lstm, Pool = PoolKind.TrueLast, Bidirectional = true }, vocab, classes, seed: 1)));
        foreach (var kind in new[] { ModelKind.Mergenet, ModelKind.Fasttext, ModelKind.Textcnn })
            models.Add((kind.ToString(), ModelFactory.Create(small with { Kind = kind }, vocab, classes, seed: 1)));
        var optimizers = models.Select(m => new Training.Adam(m.Model.parameters(), lr: 0.001)).ToList();
        // Documents of every length from 0 to the width, post-padded with 0 (<pad>).
        var ids = new long[rows * width];
        var lengths = new long[rows];
        var draw = new Random(5);
        for (var r = 0; r < rows; r++)
        {
            lengths[r] = r * width / (rows - 1);
            for (var t = 0; t < lengths[r]; t++) ids[r * width + t] = draw.Next(2, vocab);
        }
        using var idTensor = tensor(ids, [rows, width]);
        using var lengthTensor = tensor(lengths);
        using var labels = tensor(Enumerable.Range(0, rows).Select(r => (long)(r % classes)).ToArray());
        using var classWeights = tensor(Enumerable.Range(1, classes).Select(c => (float)c).ToArray());
        long passes = 0;
        var finite = true;
        while (going())
        {
            for (var m = 0; m < models.Count; m++)
            {
                using var scope = NewDisposeScope();
                var model = models[m].Model;
                model.train();
                var logits = model.call(idTensor, lengthTensor);
                var loss = nn.functional.cross_entropy(logits, labels, weight: classWeights);
                optimizers[m].zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizers[m].step();
                model.eval();
                using (no_grad()) finite &= model.call(idTensor, lengthTensor).isfinite().all().item<bool>();
            }
            passes++;
        }
        foreach (var optimizer in optimizers) optimizer.Dispose();
        foreach (var (_, model) in models) model.Dispose();
        return ($"{passes:N0} rounds of {models.Count} models ({string.Join(", ", models.Select(m => m.Name))})", finite);
    }
}

using System.Diagnostics;
using System.Globalization;
using Changwen.Models;
using Changwen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Bench;

/// <summary>
/// <c>step-profile [--model lstm|mergenet|lstm-fixed] [--len T] [--threads K] [--steps N] [--flush-denormals] [--pool-thread] [--onednn on|off]</c> (issue 8): where one
/// training step's time goes, on the batch and model of <c>torch-compare</c>. Times the phases of
/// <see cref="Trainer.Step"/> separately — forward, loss + zero_grad + backward, gradient clipping, Adam — with the
/// median over N steps, and the process's user and system CPU time and minor page faults per step (from
/// /proc/self/stat), since system time as high as user time was the first lead.
/// </summary>
public static class StepProfile
{
    public static int Run(string[] args)
    {
        var (name, length, threadsArg, steps, flush, onPool) = ("lstm", 500, 0, 10, false, false);
        bool? oneDnn = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--model": name = Next(); break;
                case "--len": length = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threadsArg = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--flush-denormals": flush = true; break;
                case "--pool-thread": onPool = true; break;
                case "--onednn": oneDnn = Next() == "on"; break;
                default: Console.Error.WriteLine($"step-profile: unknown argument {args[i]}"); return 2;
            }
        }
        // The CLI trained on a thread-pool thread until it moved to the main thread (MainThreadWork), and library callers
        // still may: glibc gives such threads their own malloc arena, which maps every block above 64 MB afresh.
        if (oneDnn is { } use && TorchRuntime.SetOneDnn(use) is null) { Console.Error.WriteLine("step-profile: libtorch does not export the oneDNN switch"); return 2; }
        return onPool ? Task.Run(() => Profile(name, length, threadsArg, steps, flush, onPool)).GetAwaiter().GetResult()
            : Profile(name, length, threadsArg, steps, flush, onPool);
    }

    private static int Profile(string name, int length, int threadsArg, int steps, bool flush, bool onPool)
    {
        var threads = TorchRuntime.SetThreads(threadsArg);
        var tuned = TorchRuntime.KeepFreedMemory();   // as Trainer.Train does
        var flushed = flush && TorchRuntime.FlushDenormals();
        const int vocab = 50_000, rows = 64;
        var (model, clip) = TorchCompareBenchmark.CreateModel(name, length >= 3000 ? 20 : 10, vocab);
        using var _ = model;
        var data = TorchCompareBenchmark.DrawBatch(rows, length, vocab);
        using var batch = Batch.Create(data, Enumerable.Range(0, rows).ToArray());
        model.train();
        using var adam = new Adam(model.parameters(), new OptimizerOptions().Lr);   // as Trainer.Train does

        var phases = new[] { "forward", "loss+backward", "clip", "adam", "step" };
        var times = phases.ToDictionary(p => p, _ => new List<double>());
        var (cpu0, faults0) = (CpuTimes(), MinorFaults());
        for (var s = -1; s < steps; s++)   // step -1 warms up and is not counted
        {
            if (s == 0) (cpu0, faults0) = (CpuTimes(), MinorFaults());
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var lap = 0.0;
            double Lap() { var now = clock.Elapsed.TotalMilliseconds; var d = now - lap; lap = now; return d; }
            var logits = model.call(batch.Ids, batch.Lengths);
            logits.sum().item<float>();   // wait for the forward pass to finish before reading the clock
            var forward = Lap();
            var loss = nn.functional.cross_entropy(logits, batch.Labels);
            adam.zero_grad();
            loss.backward();
            var backward = Lap();
            if (clip is { } maxNorm) nn.utils.clip_grad_norm_(model.parameters(), maxNorm);
            var clipping = Lap();
            adam.step();
            loss.item<float>();
            var update = Lap();
            if (s < 0) continue;
            times["forward"].Add(forward);
            times["loss+backward"].Add(backward);
            times["clip"].Add(clipping);
            times["adam"].Add(update);
            times["step"].Add(clock.Elapsed.TotalMilliseconds);
        }
        var (cpu1, faults1) = (CpuTimes(), MinorFaults());

        Console.WriteLine($"step-profile: model {name}, T {length}, batch {rows}, {threads} thread(s), {steps} steps, malloc {(tuned ? "tuned by Changwen" : "glibc's settings")}, denormals {(flushed ? "flushed" : "kept")}, on {(onPool ? "a pool" : "the main")} thread, oneDNN {(TorchRuntime.OneDnnEnabled is true ? "on" : "off")}");
        Console.WriteLine("| phase | median ms | share of the step |");
        Console.WriteLine("|---|---|---|");
        var total = TorchCompareBenchmark.Median(times["step"]);
        foreach (var p in phases)
            Console.WriteLine($"| {p} | {TorchCompareBenchmark.Median(times[p]):F1} | {TorchCompareBenchmark.Median(times[p]) / total:P0} |");
        Console.WriteLine($"per step: user CPU {(cpu1.User - cpu0.User) / steps:F1} ms, system CPU {(cpu1.System - cpu0.System) / steps:F1} ms, minor page faults {(faults1 - faults0) / (double)steps:N0}");
        return 0;
    }

    private static (double User, double System) CpuTimes()
    {
        using var self = Process.GetCurrentProcess();
        return (self.UserProcessorTime.TotalMilliseconds, self.PrivilegedProcessorTime.TotalMilliseconds);
    }

    /// <summary>Field 10 (minflt) of /proc/self/stat; the fields after the parenthesised command name start at 3.</summary>
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
    }
}

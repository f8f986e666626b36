using System.Diagnostics;
using Changwen.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Bench;

/// <summary>
/// <c>lstm-step [threads] [T ...]</c>: one LSTM training step (forward + backward, batch 64, 128 → 128) at each
/// sequence length T, plus 1,000 small matmuls [64×128]·[128×512] (an LSTM step's size), in milliseconds.
/// Run it with and without <c>OMP_WAIT_POLICY=ACTIVE</c> (libgomp's spinning default, which Changwen replaces with
/// passive waiting unless the variable is set) while another process keeps a core busy, to see what spinning costs.
/// </summary>
public static class LstmStepBenchmark
{
    public static int Run(string[] args)
    {
        var threads = TorchRuntime.SetThreads(args.Length > 0 ? int.Parse(args[0]) : 0);
        var lengths = args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [50, 500];
        Console.WriteLine($"threads {threads}, OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset: Changwen sets PASSIVE)"}");
        manual_seed(1);

        using (var a = randn(64, 128))
        using (var w = randn(128, 512))
        {
            for (int i = 0; i < 50; i++) a.matmul(w).Dispose();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 1000; i++) a.matmul(w).Dispose();
            Console.WriteLine($"1000 matmuls [64x128]·[128x512]: {clock.Elapsed.TotalMilliseconds:F0} ms");
        }

        using var lstm = nn.LSTM(128, 128, 1, batchFirst: true);
        foreach (var t in lengths)
        {
            using var input = randn(64, t, 128);
            double Step()
            {
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                var (output, _, _) = lstm.call(input);
                output[.., -1, ..].sum().backward();
                return clock.Elapsed.TotalMilliseconds;
            }
            Step();
            var times = Enumerable.Range(0, 5).Select(_ => Step()).Order().ToArray();
            Console.WriteLine($"LSTM step T={t}: median {times[2]:F0} ms (min {times[0]:F0}, max {times[^1]:F0})");
        }
        return 0;
    }
}

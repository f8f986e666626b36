using System.Diagnostics;
using Changwen.Text.Jieba;
using JiebaNet.Segmenter;

namespace Changwen.Bench;

/// <summary>
/// <c>segment-compare FILE.tsv.gz [--threads 1,2] [--jieba-net true|false]</c>: characters per second of jieba.NET's
/// <c>Cut(text, cutAll: false, hmm: true)</c> against Changwen's <see cref="WordSegmenter"/> on the same texts, on 1 and
/// 2 threads, with CPU seconds and bytes allocated per character; and whether both give the same tokens.
/// </summary>
/// <remarks>
/// The texts are read into memory first, so only cutting is timed. Each segmenter cuts a 200-document warm-up first
/// (JIT, dictionary loading: the load times are printed separately). Python jieba on all cores is
/// bench/python-jieba.py; bench/segment-compare.sh runs both.
/// </remarks>
public static class SegmentCompare
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: segment-compare FILE.tsv.gz [--threads 1,2] [--jieba-net true|false]");
            return 2;
        }
        var threadsAt = Array.IndexOf(args, "--threads");
        var threadCounts = threadsAt > 0 ? args[threadsAt + 1].Split(',').Select(int.Parse).ToArray() : [1, 2];
        var jiebaNetAt = Array.IndexOf(args, "--jieba-net");
        var withJiebaNet = jiebaNetAt < 0 || bool.Parse(args[jiebaNetAt + 1]);

        var texts = SegmentBenchmark.ReadTsvGz(args[0]).Select(d => d.Text).ToArray();
        var characters = texts.Sum(t => (long)t.Length);
        Console.WriteLine($"file: {args[0]}: {texts.Length:N0} documents, {characters:N0} characters; {Environment.ProcessorCount} cores; load average {LoadAverage()}");

        var clock = Stopwatch.StartNew();
        var ours = WordSegmenter.Jieba;
        Console.WriteLine($"Changwen WordSegmenter: dictionary and HMM loaded in {clock.Elapsed.TotalSeconds:F2} s");
        JiebaSegmenter? jiebaNet = null;
        if (withJiebaNet)
        {
            clock.Restart();
            ConfigManager.ConfigFileBaseDir = Path.Combine(AppContext.BaseDirectory, "Resources");
            jiebaNet = new JiebaSegmenter();
            jiebaNet.Cut("预热一下分词器");
            Console.WriteLine($"jieba.NET: dictionary and HMM loaded in {clock.Elapsed.TotalSeconds:F2} s");
        }

        long[] oursTokens = new long[texts.Length];
        // One token list per thread, reused, as the word tokenizer does: what is allocated is the segmenter's own.
        var lists = new ThreadLocal<List<string>>(() => new List<string>());
        foreach (var threads in threadCounts)
        {
            Measure($"Changwen WordSegmenter, {threads} thread(s)", texts, characters, threads, i =>
            {
                var tokens = lists.Value!;
                tokens.Clear();
                ours.Cut(texts[i], tokens);
                oursTokens[i] = tokens.Count;
            });
            if (jiebaNet is not null)
                Measure($"jieba.NET 0.42.2 Cut, {threads} thread(s)", texts, characters, threads, i => jiebaNet.Cut(texts[i], cutAll: false, hmm: true).Count());
        }
        Console.WriteLine($"tokens (whitespace tokens included): {oursTokens.Sum():N0}");

        if (jiebaNet is not null)
        {
            // The figures compare like with like only if the outputs are the same.
            var differing = 0;
            Parallel.For(0, texts.Length, i =>
            {
                if (!jiebaNet.Cut(texts[i], cutAll: false, hmm: true).SequenceEqual(ours.Cut(texts[i]))) Interlocked.Increment(ref differing);
            });
            Console.WriteLine($"documents cut differently by the two: {differing} of {texts.Length:N0}");
        }
        return 0;
    }

    private static void Measure(string name, string[] texts, long characters, int threads, Action<int> cut)
    {
        for (var i = 0; i < Math.Min(200, texts.Length); i++) cut(i);
        GC.Collect();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var gcs = GC.CollectionCount(0);
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, cut);
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Console.WriteLine($"{name}: {seconds:F2} s wall, {characters / seconds / 1e6:F2} M chars/s, {cpuSeconds:F1} CPU-s " +
                          $"({characters / cpuSeconds / 1e6:F2} M chars per CPU-second), {bytes / (double)characters:F0} bytes allocated/char, " +
                          $"{GC.CollectionCount(0) - gcs} gen0 GCs; load average {LoadAverage()}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}

using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using JiebaNet.Segmenter;

namespace Changwen.Bench;

/// <summary>
/// <c>segment-profile FILE.tsv.gz [--sample DOCS]</c>: where jieba.NET's time goes, on one thread: the whole cut,
/// the cut without the HMM, the regex split alone, bytes allocated per character, and how much of the text is
/// repeated blocks (what remembering blocks could save at most).
/// </summary>
public static class SegmentProfile
{
    // jieba.NET's own block pattern (JiebaSegmenter.RegexChineseDefault, internal there).
    private static readonly Regex Block = new("([\\u4E00-\\u9FD5a-zA-Z0-9+#&\\._%·\\-]+)", RegexOptions.Compiled);

    public static int Run(string[] args)
    {
        var path = args[0];
        var sample = args.Length >= 3 && args[1] == "--sample" ? int.Parse(args[2]) : 2000;
        var all = SegmentBenchmark.ReadTsvGz(path).Select(d => d.Text).ToList();
        var texts = all.Take(sample).ToList();
        var chars = texts.Sum(t => (long)t.Length);
        // jieba.NET reads its files from where the build copies them.
        ConfigManager.ConfigFileBaseDir = Path.Combine(AppContext.BaseDirectory, "Resources");
        var jieba = new JiebaSegmenter();
        foreach (var t in texts.Take(200)) { jieba.Cut(t); jieba.Cut(t, hmm: false); } // JIT warm-up

        Measure("jieba Cut, precise + HMM", chars, () => { foreach (var t in texts) jieba.Cut(t); });
        Measure("jieba Cut, precise, no HMM", chars, () => { foreach (var t in texts) jieba.Cut(t, hmm: false); });
        var tokenizer = new Changwen.Text.JiebaTokenizer();
        foreach (var t in texts.Take(200)) tokenizer.Tokenize(t); // dictionary load and JIT warm-up
        Measure("Changwen JiebaTokenizer (its own WordSegmenter + whitespace/stop-word filter)", chars, () => { foreach (var t in texts) tokenizer.Tokenize(t); });
        Measure("block regex split only", chars, () => { foreach (var t in texts) Block.Split(t); });

        var blocks = all.SelectMany(t => Block.Split(t)).Where(b => b.Length > 0 && Block.IsMatch(b)).ToList();
        var blockChars = blocks.Sum(b => (long)b.Length);
        var distinctChars = blocks.Distinct(StringComparer.Ordinal).Sum(b => (long)b.Length);
        Console.WriteLine($"{blocks.Count:N0} blocks, {blockChars:N0} chars in blocks over the whole file, {distinctChars:N0} in distinct blocks " +
                          $"({100.0 * (blockChars - distinctChars) / blockChars:F1}% repeated)");
        return 0;
    }

    private static void Measure(string name, long chars, Action work)
    {
        var gcs = GC.CollectionCount(0);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        var seconds = clock.Elapsed.TotalSeconds;
        // CPU time too: on a shared machine the wall clock also counts time spent waiting for a core.
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine($"{name}: {chars / seconds / 1e6:F3} M chars/s wall, {chars / cpuSeconds / 1e6:F3} M chars per CPU-second, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)chars:F0} bytes allocated/char, {GC.CollectionCount(0) - gcs} gen0 GCs");
    }
}

using System.Diagnostics;
using System.IO.Compression;
using Changwen.Data;
using Changwen.Text;

namespace Changwen.Bench;

/// <summary>
/// <c>segment FILE.tsv.gz [--sample DOCS]</c>: segmentation throughput (characters/second) over a
/// gzip-compressed <c>label&lt;TAB&gt;text</c> file, and the cached second read against the first.
/// </summary>
public static class SegmentBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: segment FILE.tsv.gz [--sample DOCS]");
            return 2;
        }
        var path = args[0];
        var sampleAt = Array.IndexOf(args, "--sample");
        var sample = sampleAt > 0 ? int.Parse(args[sampleAt + 1]) : 500;
        Console.WriteLine($"file: {path}");
        Console.WriteLine($"cores: {Environment.ProcessorCount}");

        var clock = Stopwatch.StartNew();
        long documents = 0, characters = 0;
        foreach (var doc in ReadTsvGz(path)) { documents++; characters += doc.Text.Length; }
        var readSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"read only (gunzip + split lines): {documents:N0} documents, {characters:N0} characters in {readSeconds:F2} s");

        var tokenizer = new JiebaTokenizer();
        clock.Restart();
        tokenizer.Tokenize("预热一下分词器");
        Console.WriteLine($"jieba dictionary load: {clock.Elapsed.TotalSeconds:F2} s");

        // One core, the first documents: what a single jieba caller manages.
        var head = ReadTsvGz(path).Take(sample).ToList();
        var headChars = head.Sum(d => (long)d.Text.Length);
        clock.Restart();
        foreach (var doc in head) tokenizer.Tokenize(doc.Text);
        var single = headChars / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"one thread, first {head.Count} documents: {single / 1e6:F2} M chars/s");

        var cache = Directory.CreateTempSubdirectory("changwen-bench-").FullName;
        try
        {
            var info = new FileInfo(path);
            var fingerprint = $"{info.FullName}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
            var classes = Array.Empty<string>();
            IEnumerable<Document> Read(Split split) => split == Split.Train ? ReadTsvGz(path) : [];

            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            clock.Restart();
            var first = Segmentation.Run(Read, classes, fingerprint, new TokenizerOptions(), cache, null, CancellationToken.None);
            var firstSeconds = clock.Elapsed.TotalSeconds;
            // CPU time too: on a shared machine the wall clock also counts time spent waiting for a core.
            var firstCpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var tokens = first.Train.Sum(d => (long)d.Tokens.Length);
            Console.WriteLine($"first run (read + segment on all cores + write cache): {firstSeconds:F2} s, " +
                              $"{characters / firstSeconds / 1e6:F2} M chars/s, {firstCpu:F1} CPU-s ({characters / firstCpu / 1e6:F2} M chars per CPU-second), {tokens:N0} tokens, cache {new FileInfo(first.CachePath!).Length / 1e6:F1} MB");

            clock.Restart();
            var second = Segmentation.Run(Read, classes, fingerprint, new TokenizerOptions(), cache, null, CancellationToken.None);
            if (second.Train.Count != first.Train.Count) throw new InvalidOperationException("cached corpus differs");
            var secondSeconds = clock.Elapsed.TotalSeconds;
            if (!second.FromCache) throw new InvalidOperationException("second run did not hit the cache");
            Console.WriteLine($"second run (cache hit): {secondSeconds:F2} s, {firstSeconds / secondSeconds:F0}x faster than the first");
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
        return 0;
    }

    /// <summary>The file's <c>label&lt;TAB&gt;text</c> lines, streamed.</summary>
    internal static IEnumerable<Document> ReadTsvGz(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            var tab = text.IndexOf('\t');
            if (tab < 0) continue;
            yield return new Document(text[..tab], text[(tab + 1)..], $"{path}:{line}");
        }
    }
}

using System.Text;

namespace Changwen.Data;

/// <summary>
/// Which split each document belongs to: the stratified, seeded split made for a corpus without splits of its own,
/// and the split record (<c>source&lt;TAB&gt;split</c>) that lets a later command see exactly the same split.
/// </summary>
internal static class CorpusSplitter
{
    /// <summary>
    /// Stratified, seeded split by source: within each class the sources are sorted (so the file system's listing
    /// order does not matter), shuffled with a generator seeded by the split seed and the class name (so adding a
    /// class leaves the others' splits alone), and cut into test, val and train. Every class with at least two
    /// documents gets at least one test document, and with three or more at least one val document.
    /// </summary>
    /// <param name="trainOnly">The classes with a single document, which go to train only.</param>
    public static Dictionary<string, Split> StratifiedSplit(IEnumerable<(string Source, string Label)> items, string corpusPath, CorpusOptions options,
        out IReadOnlyList<string> trainOnly)
    {
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        var single = new List<string>();
        trainOnly = single;
        foreach (var group in items.GroupBy(i => i.Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var sources = group.Select(i => i.Source).Order(StringComparer.Ordinal).ToArray();
            var n = sources.Length;
            if (n < 2)
            {
                // Too few to hold any out: the class is learnt from its one document and reported (Corpus.TrainOnlyClasses).
                result[sources[0]] = Split.Train;
                single.Add(group.Key);
                continue;
            }
            new Random(StableSeed(options.SplitSeed, group.Key)).Shuffle(sources);
            var (test, val) = Sizes(n, options);
            for (var i = 0; i < n; i++)
                result[sources[i]] = i < test ? Split.Test : i < test + val ? Split.Val : Split.Train;
        }
        return result;
    }

    /// <summary>
    /// The same split as <see cref="StratifiedSplit"/> for line documents, each given as <see cref="LineSourceOrder.Pack"/>
    /// (index into <paramref name="files"/>, line) under its label: sorted in the ordinal order of their "file:line"
    /// sources and shuffled by the same generator, so the same lines land in each split, at one byte a line.
    /// </summary>
    public static LineSplits StratifiedLineSplit(IReadOnlyList<string> files, IReadOnlyDictionary<string, List<long>> linesByLabel,
        CorpusOptions options, out IReadOnlyList<string> trainOnly)
    {
        var result = new LineSplits();
        foreach (var file in files) result.FileIndex(file);
        var order = new LineSourceOrder(files);
        var single = new List<string>();
        trainOnly = single;
        foreach (var label in linesByLabel.Keys.Order(StringComparer.Ordinal))
        {
            var lines = linesByLabel[label].ToArray();
            Array.Sort(lines, order);
            if (lines.Length < 2)
            {
                result.Set(LineSourceOrder.FileOf(lines[0]), LineSourceOrder.LineOf(lines[0]), Split.Train);
                single.Add(label);
                continue;
            }
            new Random(StableSeed(options.SplitSeed, label)).Shuffle(lines);
            var (test, val) = Sizes(lines.Length, options);
            for (var i = 0; i < lines.Length; i++)
                result.Set(LineSourceOrder.FileOf(lines[i]), LineSourceOrder.LineOf(lines[i]),
                    i < test ? Split.Test : i < test + val ? Split.Val : Split.Train);
        }
        return result;
    }

    /// <summary>How many of a class's <paramref name="n"/> (≥ 2) documents go to test and to val.</summary>
    private static (int Test, int Val) Sizes(int n, CorpusOptions options)
    {
        var test = options.TestFraction > 0 ? Math.Max(1, (int)Math.Round(n * options.TestFraction, MidpointRounding.AwayFromZero)) : 0;
        var val = options.ValFraction > 0 && n >= 3 ? Math.Max(1, (int)Math.Round(n * options.ValFraction, MidpointRounding.AwayFromZero)) : 0;
        while (test + val >= n) { if (val > 0 && val >= test) val--; else test--; }
        return (test, val);
    }

    /// <summary>FNV-1a over the class name, mixed with the seed: stable across runs and .NET versions (unlike string.GetHashCode).</summary>
    private static int StableSeed(int seed, string label)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in label) { hash ^= c; hash *= 16777619u; }
        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>Writes a split record (header, then <c>source&lt;TAB&gt;split</c> in the given order), atomically, streamed.</summary>
    public static void WriteRecord(string path, IEnumerable<(string Source, Split Split)> entries) =>
        IO.AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            w.Write("source\tsplit\n");
            foreach (var (source, split) in entries) { w.Write(source); w.Write('\t'); w.Write(Kebab(split)); w.Write('\n'); }
        });

    public static string Kebab(Split split) => split.ToString().ToLowerInvariant();
}

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
            var test = options.TestFraction > 0 ? Math.Max(1, (int)Math.Round(n * options.TestFraction, MidpointRounding.AwayFromZero)) : 0;
            var val = options.ValFraction > 0 && n >= 3 ? Math.Max(1, (int)Math.Round(n * options.ValFraction, MidpointRounding.AwayFromZero)) : 0;
            while (test + val >= n) { if (val > 0 && val >= test) val--; else test--; }
            for (var i = 0; i < n; i++)
                result[sources[i]] = i < test ? Split.Test : i < test + val ? Split.Val : Split.Train;
        }
        return result;
    }

    /// <summary>FNV-1a over the class name, mixed with the seed: stable across runs and .NET versions (unlike string.GetHashCode).</summary>
    private static int StableSeed(int seed, string label)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in label) { hash ^= c; hash *= 16777619u; }
        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>Writes a split record (header, then <c>source&lt;TAB&gt;split</c> in the given order), atomically.</summary>
    public static void WriteRecord(string path, IEnumerable<(string Source, Split Split)> entries)
    {
        var sb = new StringBuilder("source\tsplit\n");
        foreach (var (source, split) in entries) sb.Append(source).Append('\t').Append(Kebab(split)).Append('\n');
        IO.AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reads a split record written by <see cref="WriteRecord"/>, keeping its order.</summary>
    public static Dictionary<string, Split> ReadRecord(string path)
    {
        if (!File.Exists(path)) throw UserInputException.At(path, null, "does not exist. Give the splits file written by an earlier run");
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        long lineNo = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNo++;
            if (lineNo == 1 && line.StartsWith("source\t", StringComparison.Ordinal) || line.Length == 0) continue;
            var tab = line.LastIndexOf('\t');
            Split? split = tab < 0 ? null : line[(tab + 1)..].Trim().ToLowerInvariant() switch
            {
                "train" => Split.Train, "val" => Split.Val, "test" => Split.Test, _ => null,
            };
            if (split is null) throw UserInputException.At(path, lineNo, "is not source<TAB>train|val|test. Restore the file written by changwen");
            result[line[..tab]] = split.Value;
        }
        if (result.Count == 0) throw UserInputException.At(path, null, "records no split. Restore the file written by changwen");
        return result;
    }

    /// <summary>
    /// The recorded split of a source, or null when the record has none. A corpus with its own split files is recorded
    /// file by file, so a line's source falls back to its file ("a/b.txt:12" → "a/b.txt" → "a").
    /// </summary>
    public static Split? FindRecorded(IReadOnlyDictionary<string, Split> recorded, string source)
    {
        for (var key = source; key.Length > 0; key = ParentKey(key))
            if (recorded.TryGetValue(key, out var split)) return split;
        return null;
    }

    private static string ParentKey(string key)
    {
        var file = DocumentSource.FileOf(key);
        if (file != key) return file;
        var slash = key.LastIndexOf('/');
        return slash > 0 ? key[..slash] : "";
    }

    public static string Kebab(Split split) => split.ToString().ToLowerInvariant();
}

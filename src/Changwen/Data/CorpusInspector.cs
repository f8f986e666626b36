using System.Security.Cryptography;

namespace Changwen.Data;

/// <summary>
/// What is in a corpus, before any training: documents per class and split, lengths, whether the reading order is
/// sorted by label (unshuffled training on such data learns one class at a time), duplicates within and across
/// splits, and what the reader skipped. A plain record so later stages can add their own fields (word lengths,
/// unknown-word rates) with <c>with</c>.
/// </summary>
public sealed record CorpusReport
{
    public required string Path { get; init; }
    public required CorpusFormat Format { get; init; }
    /// <summary>Documents read, all splits together (empty ones skipped).</summary>
    public required int Documents { get; init; }
    public required IReadOnlyList<string> Classes { get; init; }
    /// <summary>Documents per split: keys "train", "val", "test".</summary>
    public required IReadOnlyDictionary<string, int> Splits { get; init; }
    /// <summary>True when the splits come from the corpus layout; false when Changwen made them (stratified, seeded).</summary>
    public required bool HasOwnSplits { get; init; }
    /// <summary>True when the training split, in reading order, comes sorted by label (label runs ≈ classes).</summary>
    public required bool OrderedByLabel { get; init; }
    /// <summary>Maximal runs of equal labels in the training split's reading order (shuffled data has many).</summary>
    public required int LabelRuns { get; init; }
    public required IReadOnlyList<ClassCounts> PerClass { get; init; }
    /// <summary>Classes with a single document, kept in train only by the split Changwen makes (none to validate or test on).</summary>
    public IReadOnlyList<string> TrainOnlyClasses { get; init; } = [];
    /// <summary>Document lengths in characters (Unicode scalar values), all splits.</summary>
    public required LengthPercentiles CharLength { get; init; }
    public required DuplicateCounts Duplicates { get; init; }
    /// <summary>Empty (or whitespace-only) documents skipped, all splits.</summary>
    public required int SkippedEmpty { get; init; }
    /// <summary>Files per detected encoding, e.g. {"gb18030": 2554}.</summary>
    public required IReadOnlyDictionary<string, int> Encodings { get; init; }
    /// <summary>Document files whose trailing NUL padding was dropped (Fudan has some).</summary>
    public required int NulPaddingTrimmed { get; init; }

    // Word level: filled in by Changwen.Text.WordStatistics after segmentation; null when not computed.
    /// <summary>Document lengths in tokens of the chosen tokenizer, all splits.</summary>
    public LengthPercentiles? WordLength { get; init; }
    /// <summary>Share of val and test tokens that a vocabulary built on train (with --min-count/--max-vocab) misses.</summary>
    public UnknownRates? UnknownRate { get; init; }
    /// <summary>A --max-len to start from: the p95 word length rounded up (see WordStatistics.SuggestMaxLen).</summary>
    public int? SuggestedMaxLen { get; init; }
}

/// <summary>Share of val and test tokens missing from a vocabulary built on train; null for an empty split.</summary>
public sealed record UnknownRates(double? Val, double? Test);

public sealed record ClassCounts(string Name, int Train, int Val, int Test, int Total);

/// <summary>Nearest-rank percentiles.</summary>
public sealed record LengthPercentiles(int P50, int P90, int P95, int P99, int Max, double Mean)
{
    public static LengthPercentiles Of(IReadOnlyList<int> values)
    {
        if (values.Count == 0) return new LengthPercentiles(0, 0, 0, 0, 0, 0);
        var sorted = values.Order().ToArray();
        int At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LengthPercentiles(At(50), At(90), At(95), At(99), sorted[^1], Math.Round(sorted.Average(v => (double)v), 1));
    }
}

/// <summary>
/// Documents whose exact text (after trimming) occurred earlier. Within a split: repeats inside it. Across splits:
/// val or test documents whose text is also in train (or test in val) — these inflate test accuracy.
/// </summary>
/// <param name="ConflictingLabels">Repeated texts that carry different labels.</param>
/// <param name="Examples">Up to ten examples: "source duplicates first-source".</param>
public sealed record DuplicateCounts(
    int WithinTrain, int WithinVal, int WithinTest,
    int ValInTrain, int TestInTrain, int TestInVal,
    int ConflictingLabels,
    IReadOnlyList<string> Examples);

public static class CorpusInspector
{
    private static readonly Split[] AllSplits = [Split.Train, Split.Val, Split.Test];

    /// <summary>Reads every split of <paramref name="corpus"/> once, holding only lengths and text hashes.</summary>
    public static CorpusReport Inspect(Corpus corpus, IProgress<ProgressUpdate>? progress = null)
    {
        var perClass = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var lengths = new List<int>();
        var firstSeen = new Dictionary<UInt128, (Split Split, string Source, string Label)>();
        var seenIn = new Dictionary<UInt128, byte>(); // bit per split the text occurs in
        int withinTrain = 0, withinVal = 0, withinTest = 0, valInTrain = 0, testInTrain = 0, testInVal = 0, conflicting = 0;
        var examples = new List<string>();
        var splitCounts = new int[3];
        int labelRuns = 0;
        string? previousTrainLabel = null;
        long done = 0;

        foreach (var split in AllSplits)
        {
            var s = (int)split;
            foreach (var doc in corpus.Read(split))
            {
                splitCounts[s]++;
                if (!perClass.TryGetValue(doc.Label, out var counts)) perClass[doc.Label] = counts = new int[3];
                counts[s]++;
                lengths.Add(CountChars(doc.Text));

                if (split == Split.Train && doc.Label != previousTrainLabel) { labelRuns++; previousTrainLabel = doc.Label; }

                var key = Hash(doc.Text);
                var mask = seenIn.GetValueOrDefault(key);
                var bit = (byte)(1 << s);
                if ((mask & bit) != 0)
                {
                    if (split == Split.Train) withinTrain++; else if (split == Split.Val) withinVal++; else withinTest++;
                }
                if (split == Split.Val && (mask & 1) != 0) valInTrain++;
                if (split == Split.Test && (mask & 1) != 0) testInTrain++;
                if (split == Split.Test && (mask & 2) != 0) testInVal++;
                if (firstSeen.TryGetValue(key, out var first))
                {
                    if (first.Label != doc.Label) conflicting++;
                    if (examples.Count < 10) examples.Add($"{doc.Source} duplicates {first.Source}");
                }
                else firstSeen[key] = (split, doc.Source, doc.Label);
                seenIn[key] = (byte)(mask | bit);

                if (++done % 1000 == 0) progress?.Report(new ProgressUpdate("inspect", done, null));
            }
        }
        progress?.Report(new ProgressUpdate("inspect", done, done));

        var classes = corpus.Classes; // after the reads: reading train finds a line corpus's classes on the way
        var classOrder = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var trainClasses = perClass.Count(kv => kv.Value[0] > 0);
        var trainCount = splitCounts[0];
        return new CorpusReport
        {
            Path = corpus.Path,
            Format = corpus.Format,
            Documents = splitCounts.Sum(),
            Classes = classes,
            Splits = new Dictionary<string, int> { ["train"] = splitCounts[0], ["val"] = splitCounts[1], ["test"] = splitCounts[2] },
            HasOwnSplits = corpus.HasOwnSplits,
            OrderedByLabel = IsOrderedByLabel(labelRuns, trainClasses, trainCount),
            LabelRuns = labelRuns,
            PerClass = classes.Concat(perClass.Keys.Where(k => !classOrder.ContainsKey(k)))
                .Select(c => perClass.TryGetValue(c, out var n) ? new ClassCounts(c, n[0], n[1], n[2], n.Sum()) : new ClassCounts(c, 0, 0, 0, 0))
                .ToList(),
            CharLength = LengthPercentiles.Of(lengths),
            Duplicates = new DuplicateCounts(withinTrain, withinVal, withinTest, valInTrain, testInTrain, testInVal, conflicting, examples),
            SkippedEmpty = corpus.Statistics.SkippedEmpty.Values.Sum(),
            Encodings = corpus.Statistics.EncodingCounts,
            NulPaddingTrimmed = corpus.Statistics.NulPaddingTrimmed.Count,
            TrainOnlyClasses = corpus.TrainOnlyClasses,
        };
    }

    /// <summary>
    /// Sorted by label when the labels come in few long runs: at most two runs per class. Shuffled data has runs on
    /// the order of the document count, so with more than a few documents per class the two are far apart.
    /// </summary>
    internal static bool IsOrderedByLabel(int labelRuns, int classes, int documents) =>
        classes >= 2 && documents >= 4 * classes && labelRuns <= 2 * classes;

    /// <summary>Unicode scalar values, so a character outside the BMP counts once.</summary>
    private static int CountChars(string text)
    {
        var n = text.Length;
        foreach (var c in text) if (char.IsLowSurrogate(c)) n--;
        return n;
    }

    private static UInt128 Hash(string text)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(MemoryMarshalBytes(text), digest);
        return new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
    }

    private static ReadOnlySpan<byte> MemoryMarshalBytes(string text) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan());
}

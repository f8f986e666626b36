using Changwen.Data;

namespace Changwen.Text;

/// <summary>
/// Word-level facts about a segmented corpus that decide the encoding options: how long documents are in tokens,
/// how many val/test tokens the training vocabulary misses, and a <c>--max-len</c> to start from.
/// </summary>
public sealed record WordStatistics(LengthPercentiles WordLength, UnknownRates UnknownRate, int SuggestedMaxLen)
{
    /// <summary>Computes the statistics of <paramref name="corpus"/>, with the vocabulary <paramref name="vocabulary"/> would build on train.</summary>
    public static WordStatistics Of(TokenizedCorpus corpus, VocabularyOptions vocabulary)
    {
        Check(vocabulary);
        var all = corpus.Train.Concat(corpus.Val).Concat(corpus.Test).Select(d => d.Tokens.Length).ToList();
        var lengths = LengthPercentiles.Of(all);
        var vocab = Vocabulary.Build(corpus.Train.Select(d => (IReadOnlyList<string>)d.Tokens), vocabulary);
        double? Rate(IReadOnlyList<TokenizedDocument> docs) =>
            docs.Count == 0 ? null : vocab.UnknownRate(docs.Select(d => (IReadOnlyList<string>)d.Tokens));
        return new WordStatistics(lengths, new UnknownRates(Rate(corpus.Val), Rate(corpus.Test)), SuggestMaxLen(lengths.P95));
    }

    /// <summary>
    /// As <see cref="Of(TokenizedCorpus, VocabularyOptions)"/>, in streaming passes over the segmentation on disk: memory
    /// holds one length a document and one count per distinct token, not the documents.
    /// </summary>
    public static WordStatistics Of(SegmentedCorpus corpus, VocabularyOptions vocabulary)
    {
        Check(vocabulary);
        var all = new List<int>();
        var counts = new long[corpus.Tokens.Count];
        foreach (var doc in corpus.Read(Split.Train))
        {
            all.Add(doc.Tokens.Length);
            foreach (var token in doc.Tokens) counts[token]++;
        }
        var vocab = Vocabulary.FromCounts(Enumerable.Range(0, counts.Length).Where(i => counts[i] > 0)
            .Select(i => KeyValuePair.Create(corpus.Tokens[i], counts[i])), vocabulary);
        var known = corpus.Tokens.Select(vocab.Contains).ToArray();
        double? Rate(Split split)
        {
            if (corpus.Count(split) == 0) return null;
            long unknown = 0, tokens = 0;
            foreach (var doc in corpus.Read(split))
            {
                all.Add(doc.Tokens.Length);
                tokens += doc.Tokens.Length;
                foreach (var token in doc.Tokens) if (!known[token]) unknown++;
            }
            return tokens == 0 ? 0 : (double)unknown / tokens;
        }
        var (val, test) = (Rate(Split.Val), Rate(Split.Test));
        var lengths = LengthPercentiles.Of(all);
        return new WordStatistics(lengths, new UnknownRates(val, test), SuggestMaxLen(lengths.P95));
    }

    private static void Check(VocabularyOptions vocabulary)
    {
        if (vocabulary.MinCount < 1) throw new UserInputException($"--min-count must be at least 1, got {vocabulary.MinCount}");
        if (vocabulary.MaxVocab is < 0 or 1 or 2)
            throw new UserInputException($"--max-vocab must be 0 (no limit) or more than 2 (the <pad> and <unk> ids), got {vocabulary.MaxVocab}");
    }

    /// <summary>The report with these statistics in its word-level fields.</summary>
    public CorpusReport AddTo(CorpusReport report) =>
        report with { WordLength = WordLength, UnknownRate = UnknownRate, SuggestedMaxLen = SuggestedMaxLen };

    /// <summary>
    /// The 95th-percentile length rounded up to a round number (steps of half the leading power of ten: 73 → 75,
    /// 437 → 450, 1234 → 1500). p95 rather than the maximum or p99: it keeps 19 documents in 20 whole, while the cost
    /// of every epoch grows with max-len and news corpora have a long tail of very long articles; p90 would cut one in
    /// ten, too many for a first try. Lower it for speed (the original experiments used 50); raise it when the end of
    /// long documents matters.
    /// </summary>
    public static int SuggestMaxLen(int p95)
    {
        if (p95 <= 10) return 10;
        var step = Math.Max(1, (int)Math.Pow(10, Math.Floor(Math.Log10(p95))) / 2);
        return (p95 + step - 1) / step * step;
    }
}

namespace Changwen.Tfidf;

/// <summary>
/// Which training and validation documents the linear model's fit reads. The fit holds the TF-IDF row of every document
/// it reads (one index and one value per distinct word and bigram) and weights for every feature, which grow with the
/// documents, so its memory would grow with the corpus. Up to <see cref="MaxTrainTokens"/> training tokens it reads every document; beyond, a seeded
/// uniform sample of documents, drawn in a random order until their tokens reach the bound, and validation sampled at
/// the same rate, so the memory of the data stays flat however large the corpus (the sample is printed and recorded in
/// summary.json as <c>train_docs</c> of <c>sampled_from_train_docs</c>).
/// </summary>
internal static class LinearSample
{
    /// <summary>
    /// 20 million word tokens: about 1.5 times the chinanews training split (19,835 documents, ~13 M tokens). At the bound
    /// (the perturbed chinanews corpora of bench/scale.sh: 31,500 documents, 25 M nonzeros, 2 M features, 17 classes)
    /// the whole run peaks at about 0.8 GB. Not lower: reading a seeded 75 % of chinanews' training documents cost two
    /// points of validation accuracy (82.17 → 80.16 %; docs/benchmarks.md, "Session 9"), so the fit still gains from
    /// documents at this size.
    /// </summary>
    public const long MaxTrainTokens = 20_000_000;

    /// <summary>
    /// Which of the documents (given by their token counts, in reading order) the fit reads: all of them when their
    /// tokens are at most <paramref name="maxTokens"/>, else a seeded random selection in a random order until the bound
    /// is reached (the document that crosses it included). Deterministic for a seed.
    /// </summary>
    public static bool[] Choose(IReadOnlyList<int> tokenCounts, long maxTokens, int seed)
    {
        var chosen = new bool[tokenCounts.Count];
        long total = 0;
        foreach (var n in tokenCounts) total += n;
        if (total <= maxTokens)
        {
            Array.Fill(chosen, true);
            return chosen;
        }
        var order = Enumerable.Range(0, tokenCounts.Count).ToArray();
        new Random(seed).Shuffle(order);
        long taken = 0;
        foreach (var i in order)
        {
            if (taken >= maxTokens) break;
            chosen[i] = true;
            taken += tokenCounts[i];
        }
        return chosen;
    }

    /// <summary>A seeded selection of about <paramref name="fraction"/> of <paramref name="count"/> documents (all when fraction ≥ 1).</summary>
    public static bool[] AtRate(int count, double fraction, int seed)
    {
        var chosen = new bool[count];
        if (fraction >= 1)
        {
            Array.Fill(chosen, true);
            return chosen;
        }
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        var take = Math.Max(1, (int)Math.Round(count * fraction, MidpointRounding.AwayFromZero));
        foreach (var i in order.Take(take)) chosen[i] = true;
        return chosen;
    }
}

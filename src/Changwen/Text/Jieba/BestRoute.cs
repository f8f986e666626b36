namespace Changwen.Text.Jieba;

/// <summary>The log-probability jieba gives a dictionary word: <c>Math.Log(frequency) - Math.Log(total)</c>.</summary>
internal interface IWordScores
{
    /// <summary>The word's score at <paramref name="node"/>, or NaN when that prefix is no word.</summary>
    double LogProbability(int node);
}

/// <summary>Scores computed once per dictionary node (the segmenter's dictionary no longer changes).</summary>
internal readonly struct PrecomputedScores(double[] scores) : IWordScores
{
    public double LogProbability(int node) => scores[node];

    public static double[] For(PrefixDictionary dictionary)
    {
        var scores = new double[dictionary.NodeCount];
        var logTotal = Math.Log(dictionary.Total);
        for (var node = 0; node < scores.Length; node++)
        {
            var frequency = dictionary.Frequency(node);
            scores[node] = frequency > 0 ? Math.Log(frequency) - logTotal : double.NaN;
        }
        return scores;
    }
}

/// <summary>Scores computed on each use, for a dictionary that is still being changed (user words being added).</summary>
internal readonly struct LiveScores(PrefixDictionary dictionary) : IWordScores
{
    private readonly double logTotal = Math.Log(dictionary.Total);

    public double LogProbability(int node)
    {
        var frequency = dictionary.Frequency(node);
        return frequency > 0 ? Math.Log(frequency) - logTotal : double.NaN;
    }
}

/// <summary>
/// jieba's maximum-probability route through a block: the DAG of dictionary words (jieba's <c>GetDag</c>) and the best
/// path through it from right to left (<c>Calc</c>), in one pass, with no allocation.
/// </summary>
/// <remarks>
/// For each position <c>i</c> from the end, every dictionary word <c>block[i..x]</c> scores its log-probability plus the
/// best score from <c>x + 1</c>; with no word at <c>i</c>, the single character scores <c>Math.Log(1) - log(total)</c>.
/// As in jieba.NET (not Python jieba), the shortest of equally scored words wins: the walk goes from short to long
/// words and only a strictly higher score replaces the best so far. Each sum is formed in jieba.NET's order
/// (<c>(log f - log total) + rest</c>), so each comparison sees the same doubles.
/// </remarks>
internal static class BestRoute
{
    /// <summary>
    /// Fills <paramref name="ends"/>[i] with the end (exclusive) of the word that starts the best route at i, and
    /// <paramref name="nodes"/>[i] with its dictionary node (0 for a character that is no word).
    /// </summary>
    /// <param name="scores">Length ≥ block length + 1.</param>
    public static void Find<TScores>(PrefixDictionary dictionary, TScores wordScores, double logTotal,
        ReadOnlySpan<char> block, Span<int> ends, Span<int> nodes, Span<double> scores)
        where TScores : struct, IWordScores
    {
        var n = block.Length;
        // Math.Log(1) - logTotal: what jieba scores a single character that is no word (its frequency defaults to 1).
        var unknown = Math.Log(1) - logTotal;
        scores[n] = 0.0;
        for (var i = n - 1; i >= 0; i--)
        {
            var best = double.MinValue;
            var bestEnd = i + 1;
            var bestNode = 0;
            var found = false;
            var node = dictionary.Child(0, block[i]);
            for (var x = i; node != 0;)
            {
                var score = wordScores.LogProbability(node);
                if (!double.IsNaN(score))
                {
                    found = true;
                    var total = score + scores[x + 1];
                    if (best < total)
                    {
                        best = total;
                        bestEnd = x + 1;
                        bestNode = node;
                    }
                }
                if (++x == n) break;
                node = dictionary.Child(node, block[x]);
            }
            if (!found) best = unknown + scores[i + 1];
            scores[i] = best;
            ends[i] = bestEnd;
            nodes[i] = bestNode;
        }
    }
}

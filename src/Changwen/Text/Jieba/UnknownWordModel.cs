using System.Text.Json;

namespace Changwen.Text.Jieba;

/// <summary>
/// jieba's hidden Markov model for words not in the dictionary (jieba.NET's <c>FinalSeg.Viterbi</c>): each Han
/// character is tagged B(egin), M(iddle), E(nd) or S(ingle) by the Viterbi algorithm over jieba's start, transition and
/// emission log-probabilities, and the tags give the words. Other characters of the run go through jieba's pattern
/// <c>([a-zA-Z0-9]+(?:\.\d+)?%?)</c>: each match and each piece between matches is a token.
/// </summary>
/// <remarks>
/// Ties are broken as jieba.NET breaks them (a later predecessor state wins an equal score; E wins over S at the end),
/// which is not Python jieba's order; sums are formed in jieba.NET's order, so every score is the same double.
/// Tables are flat arrays indexed by state and character; the only allocation per call is the tokens' strings.
/// </remarks>
internal sealed class UnknownWordModel
{
    private const int B = 0, M = 1, E = 2, S = 3, StateCount = 4;
    private const string StateNames = "BMES";

    /// <summary>jieba's log-probability for anything its tables do not list.</summary>
    private const double MinProbability = -3.14e100;

    /// <summary>jieba's start probabilities (prob_start.py; jieba.NET has them in code, not in a file).</summary>
    private static readonly double[] Start = [-0.26268660809250016, -3.14e+100, -3.14e+100, -1.4652633398537678];

    /// <summary>The states each state may follow, in jieba.NET's order (the order decides ties).</summary>
    private static readonly int[][] Previous = [[E, S], [M, B], [B, M], [S, E]];

    /// <summary>Emission log-probability of Han character <c>h</c> in state <c>s</c> at <c>[s * HanCount + h]</c>.</summary>
    private readonly double[] emission;

    /// <summary>Transition log-probability from <c>a</c> to <c>b</c> at <c>[a * 4 + b]</c>.</summary>
    private readonly double[] transition;

    private const int LongestKeptTable = 1 << 16;

    [ThreadStatic] private static byte[]? backPointers;

    private UnknownWordModel(double[] emission, double[] transition)
    {
        this.emission = emission;
        this.transition = transition;
    }

    /// <summary>The tables jieba.NET loads: prob_emit.json and prob_trans.json from jieba's Resources folder.</summary>
    public static UnknownWordModel Load(string emissionPath, string transitionPath)
    {
        var emission = new double[StateCount * JiebaCharacters.HanCount];
        Array.Fill(emission, MinProbability);
        var transition = new double[StateCount * StateCount];
        Array.Fill(transition, MinProbability);
        foreach (var (state, c, value) in ReadTable(emissionPath))
            // Only Han characters ever reach the Viterbi step, so other entries are never looked up.
            if (JiebaCharacters.IsHan(c)) emission[state * JiebaCharacters.HanCount + JiebaCharacters.HanIndex(c)] = value;
        foreach (var (from, to, value) in ReadTable(transitionPath))
        {
            var target = StateNames.IndexOf(to);
            if (target < 0) throw new InvalidDataException($"{transitionPath}: unknown HMM state '{to}'");
            transition[from * StateCount + target] = value;
        }
        return new UnknownWordModel(emission, transition);
    }

    /// <summary>Cuts a run of block characters that the dictionary left as single characters (jieba's <c>FinalSeg.Cut</c>).</summary>
    public void Cut(ReadOnlySpan<char> run, List<string> output)
    {
        for (var i = 0; i < run.Length;)
        {
            var han = JiebaCharacters.IsHan(run[i]);
            var end = i + 1;
            while (end < run.Length && JiebaCharacters.IsHan(run[end]) == han) end++;
            if (han) Viterbi(run[i..end], output);
            else CutLettersAndDigits(run[i..end], output);
            i = end;
        }
    }

    /// <summary>
    /// <c>Regex.Split</c> by <c>([a-zA-Z0-9]+(?:\.\d+)?%?)</c>, empty pieces dropped. Greedy quantifiers followed only
    /// by optional parts never backtrack, so one left-to-right scan finds the same matches.
    /// </summary>
    private static void CutLettersAndDigits(ReadOnlySpan<char> text, List<string> output)
    {
        var pieceStart = 0;
        for (var i = 0; i < text.Length;)
        {
            if (!JiebaCharacters.IsAsciiLetterOrDigit(text[i])) { i++; continue; }
            if (i > pieceStart) output.Add(TokenStrings.Of(text[pieceStart..i]));
            var end = i + 1;
            while (end < text.Length && JiebaCharacters.IsAsciiLetterOrDigit(text[end])) end++;
            if (end + 1 < text.Length && text[end] == '.' && char.IsAsciiDigit(text[end + 1]))
            {
                end += 2;
                while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            }
            if (end < text.Length && text[end] == '%') end++;
            output.Add(TokenStrings.Of(text[i..end]));
            i = pieceStart = end;
        }
        if (pieceStart < text.Length) output.Add(TokenStrings.Of(text[pieceStart..]));
    }

    /// <summary>jieba.NET's <c>ViterbiCut</c> over a run of Han characters.</summary>
    private void Viterbi(ReadOnlySpan<char> sentence, List<string> output)
    {
        var n = sentence.Length;
        // A per-thread table, except for runs so long (pathological texts) that keeping it would hold megabytes.
        var back = backPointers is { } buffer && buffer.Length >= n * StateCount
            ? buffer
            : n * StateCount > LongestKeptTable
                ? new byte[n * StateCount]
                : backPointers = new byte[Math.Min(LongestKeptTable, Math.Max(n * StateCount, 1024) * 2)];
        Span<double> score = stackalloc double[StateCount];
        Span<double> next = stackalloc double[StateCount];

        var first = JiebaCharacters.HanIndex(sentence[0]);
        for (var s = 0; s < StateCount; s++) score[s] = Start[s] + emission[s * JiebaCharacters.HanCount + first];
        for (var i = 1; i < n; i++)
        {
            var c = JiebaCharacters.HanIndex(sentence[i]);
            for (var y = 0; y < StateCount; y++)
            {
                var emit = emission[y * JiebaCharacters.HanCount + c];
                var best = double.MinValue;
                var bestPrevious = -1;
                foreach (var y0 in Previous[y])
                {
                    var candidate = score[y0] + transition[y0 * StateCount + y] + emit;
                    if (best <= candidate)
                    {
                        best = candidate;
                        bestPrevious = y0;
                    }
                }
                next[y] = best;
                back[i * StateCount + y] = (byte)bestPrevious;
            }
            next.CopyTo(score);
        }

        // The tags, last to first, kept in the back-pointer table's column 0 (each row is read before it is overwritten).
        var state = score[E] < score[S] ? S : E;
        for (var i = n - 1; ; i--)
        {
            var previous = i > 0 ? back[i * StateCount + state] : 0;
            back[i * StateCount] = (byte)state;
            if (i == 0) break;
            state = previous;
        }

        int begin = 0, nextStart = 0;
        for (var i = 0; i < n; i++)
        {
            switch (back[i * StateCount])
            {
                case B:
                    begin = i;
                    break;
                case E:
                    output.Add(TokenStrings.Of(sentence[begin..(i + 1)]));
                    nextStart = i + 1;
                    break;
                case S:
                    output.Add(TokenStrings.Of(sentence[i]));
                    nextStart = i + 1;
                    break;
            }
        }
        if (nextStart < n) output.Add(TokenStrings.Of(sentence[nextStart..]));
    }

    /// <summary>The entries of one of jieba's JSON tables: <c>{"B": {"字": -1.5, ...}, ...}</c>.</summary>
    private static IEnumerable<(int State, char Key, double Value)> ReadTable(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var entries = new List<(int, char, double)>();
        foreach (var state in document.RootElement.EnumerateObject())
        {
            var s = state.Name.Length == 1 ? StateNames.IndexOf(state.Name[0]) : -1;
            if (s < 0) throw new InvalidDataException($"{path}: unknown HMM state '{state.Name}'");
            foreach (var entry in state.Value.EnumerateObject())
            {
                if (entry.Name.Length != 1) throw new InvalidDataException($"{path}: key '{entry.Name}' is not one character");
                entries.Add((s, entry.Name[0], entry.Value.GetDouble()));
            }
        }
        return entries;
    }
}

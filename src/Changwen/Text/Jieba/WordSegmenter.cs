using System.Collections.Concurrent;

namespace Changwen.Text.Jieba;

/// <summary>
/// jieba word segmentation, precise mode with the HMM for unknown words: token for token what jieba.NET 0.42.2's
/// <c>JiebaSegmenter.Cut(text, cutAll: false, hmm: true)</c> returns, over the same dictionary and HMM tables (the
/// files jieba.NET loads), without its allocations. Immutable once built: any number of threads may cut at once.
/// </summary>
/// <remarks>
/// <para>The algorithm is jieba's:</para>
/// <list type="number">
/// <item>The text splits into blocks of <see cref="JiebaCharacters.IsBlock"/> characters (Han, ASCII letters and digits,
/// <c>+#&amp;._%·-</c>); every other character is a token of its own, except "\r\n", which stays one token.</item>
/// <item>In a block, <see cref="BestRoute"/> finds the most probable sequence of dictionary words.</item>
/// <item>Multi-character words of that route are tokens. Consecutive single characters are gathered: one alone is a
/// token; several that form a dictionary word are one token each; any other run goes to the HMM
/// (<see cref="UnknownWordModel"/>), which finds the words jieba's dictionary does not know.</item>
/// </list>
/// <para>
/// Dictionary words come out as one shared string per word (made the first time the word is seen), single characters
/// from a shared table: only words found by the HMM allocate. The tests check the output against jieba.NET itself.
/// </para>
/// </remarks>
public sealed class WordSegmenter
{
    private static readonly Lazy<WordSegmenter> jieba = new(() => new WordSegmenter(
        PrefixDictionary.Load(JiebaResources.File("dict.txt")),
        UnknownWordModel.Load(JiebaResources.File("prob_emit.json"), JiebaResources.File("prob_trans.json"))));

    private static readonly ConcurrentDictionary<string, Lazy<WordSegmenter>> withUserWords = new(StringComparer.Ordinal);

    private readonly PrefixDictionary dictionary;
    private readonly UnknownWordModel unknownWords;
    private readonly double[] wordScores;
    private readonly double logTotal;
    private readonly string?[] words;

    [ThreadStatic] private static RouteBuffers? buffers;

    private WordSegmenter(PrefixDictionary dictionary, UnknownWordModel unknownWords)
    {
        this.dictionary = dictionary;
        this.unknownWords = unknownWords;
        wordScores = PrecomputedScores.For(dictionary);
        logTotal = Math.Log(dictionary.Total);
        words = new string?[dictionary.NodeCount];
    }

    /// <summary>jieba's own dictionary and HMM; loaded on first use (0.6 s on the loaded benchmark machine, jieba.NET 1.2 s).</summary>
    public static WordSegmenter Jieba => jieba.Value;

    /// <summary>
    /// jieba's dictionary plus <paramref name="userWords"/> (or <see cref="Jieba"/> for null), built once per
    /// dictionary content and then shared.
    /// </summary>
    public static WordSegmenter For(UserDictionary? userWords) =>
        userWords is null
            ? Jieba
            : withUserWords.GetOrAdd(userWords.ContentHash,
                _ => new Lazy<WordSegmenter>(() => Jieba.With(userWords.Entries))).Value;

    /// <summary>
    /// This segmenter's dictionary plus <paramref name="userWords"/>, added one after another as jieba.NET's
    /// <c>JiebaSegmenter.AddWord(word, frequency ?? 0)</c> adds them (<see cref="UserWords"/>).
    /// </summary>
    public WordSegmenter With(IEnumerable<UserWord> userWords) =>
        new(UserWords.AddTo(dictionary, userWords), unknownWords);

    /// <summary>The sum of the dictionary's word frequencies (jieba's <c>WordDictionary.Total</c>).</summary>
    internal double DictionaryTotal => dictionary.Total;

    /// <summary>The tokens of <paramref name="text"/>, whitespace tokens included, as jieba.NET gives them.</summary>
    public List<string> Cut(string text)
    {
        var tokens = new List<string>();
        Cut(text, tokens);
        return tokens;
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="output"/>, whitespace tokens included.</summary>
    public void Cut(ReadOnlySpan<char> text, List<string> output)
    {
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (JiebaCharacters.IsBlock(c))
            {
                var end = i + 1;
                while (end < text.Length && JiebaCharacters.IsBlock(text[end])) end++;
                CutBlock(text[i..end], output);
                i = end;
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                output.Add(TokenStrings.CarriageReturnLineFeed);
                i += 2;
            }
            else
            {
                output.Add(TokenStrings.Of(c));
                i++;
            }
        }
    }

    /// <summary>jieba.NET's <c>CutDag</c>: the best route, with runs of single characters handed to the HMM.</summary>
    private void CutBlock(ReadOnlySpan<char> block, List<string> output)
    {
        var route = RouteBuffers.For(ref buffers, block.Length);
        BestRoute.Find(dictionary, new PrecomputedScores(wordScores), logTotal, block, route.Ends, route.Nodes, route.Scores);
        var single = -1;
        for (var x = 0; x < block.Length;)
        {
            var y = route.Ends[x];
            if (y - x == 1)
            {
                if (single < 0) single = x;
            }
            else
            {
                if (single >= 0)
                {
                    CutSingles(block[single..x], output);
                    single = -1;
                }
                output.Add(Word(route.Nodes[x], block[x..y]));
            }
            x = y;
        }
        if (single >= 0) CutSingles(block[single..], output);
    }

    /// <summary>jieba.NET's <c>AddBufferToWordList</c>.</summary>
    private void CutSingles(ReadOnlySpan<char> run, List<string> output)
    {
        if (run.Length == 1) output.Add(TokenStrings.Of(run[0]));
        else if (!dictionary.IsWord(run)) unknownWords.Cut(run, output);
        else
            foreach (var c in run) output.Add(TokenStrings.Of(c));
    }

    private string Word(int node, ReadOnlySpan<char> text) => words[node] ??= new string(text);

    /// <summary>
    /// Per-thread scratch space for <see cref="BestRoute.Find{TScores}"/>, grown to the longest block seen up to
    /// <see cref="LongestKept"/> characters; a longer block (a pathological text) gets arrays of its own, so one such
    /// text does not leave megabytes held by every thread that cut it.
    /// </summary>
    private sealed class RouteBuffers
    {
        private const int LongestKept = 1 << 16;

        public int[] Ends = [];
        public int[] Nodes = [];
        public double[] Scores = [];

        public static RouteBuffers For(ref RouteBuffers? cached, int length)
        {
            if (length >= LongestKept) return Sized(new RouteBuffers(), length + 1);
            var buffers = cached ??= new RouteBuffers();
            return buffers.Scores.Length > length ? buffers : Sized(buffers, Math.Min(LongestKept, Math.Max(length + 1, 2 * buffers.Scores.Length)));
        }

        private static RouteBuffers Sized(RouteBuffers buffers, int size)
        {
            buffers.Ends = new int[size];
            buffers.Nodes = new int[size];
            buffers.Scores = new double[size];
            return buffers;
        }
    }
}

using System.Runtime.InteropServices;
using Changwen.Text.Jieba;

namespace Changwen.Text;

/// <summary>
/// jieba word segmentation in precise mode with the HMM for unknown words, as in the original experiments.
/// Whitespace tokens are dropped, and so are stop words when a list is given.
/// </summary>
/// <remarks>
/// <para>
/// The cutting is <see cref="WordSegmenter"/>: token for token jieba.NET 0.42.2's <c>Cut(text, cutAll: false,
/// hmm: true)</c>, over jieba.NET's own dictionary and HMM files, about eight times faster per CPU-second
/// (docs/benchmarks.md). Until it, jieba.NET itself cut; the tests keep comparing the two, so tokens in caches and
/// trained runs stay valid.
/// </para>
/// <para>
/// Each document is cut whole. Remembering the tokens of repeated clauses was measured and rejected: 24% of
/// the block characters in the chinanews training file repeat, yet holding a million remembered pieces cost more in
/// garbage collection than it saved (docs/benchmarks.md).
/// </para>
/// <para>
/// jieba works on UTF-16 chars: it emits every char outside its Chinese-word pattern as a token of its own, so a
/// character outside the Basic Multilingual Plane (𠮷, 𩸽, every emoji) came out as two surrogate halves, which no
/// file can hold. From <see cref="TokenizerOptions.Version"/> 2 on, each grapheme that contains such a character
/// (👍🏽, 🇨🇳, 👨‍👩‍👧 included) is a token of its own, and jieba cuts the text between them. Those characters are outside
/// jieba's Chinese-word pattern, so jieba's own blocks end there already: the words around them are cut as before.
/// </para>
/// </remarks>
public sealed class JiebaTokenizer : ITokenizer
{
    private readonly UserDictionary? userDictionary;
    private readonly IReadOnlySet<string>? stopWords;
    private readonly int version;
    // Resolved at the first cut: loading jieba's dictionary takes a moment, and many tokenizers are made but never used.
    private WordSegmenter? segmenter;

    private const int LongestKeptList = 1 << 16;

    [ThreadStatic] private static List<string>? scratch;

    public JiebaTokenizer(UserDictionary? userDictionary = null, IReadOnlySet<string>? stopWords = null,
        int version = TokenizerOptions.CurrentVersion)
    {
        this.userDictionary = userDictionary;
        this.stopWords = stopWords;
        this.version = version;
    }

    public string[] Tokenize(string text)
    {
        var words = segmenter ??= WordSegmenter.For(userDictionary);
        var tokens = scratch ??= new List<string>();
        tokens.Clear();
        if (version < 2 || !Graphemes.HasSurrogates(text)) words.Cut(text, tokens);
        else CutAroundAstralGraphemes(words, text, tokens);
        var kept = Kept(tokens);
        // A huge text's list is not kept for the thread's lifetime.
        if (tokens.Capacity > LongestKeptList) scratch = null;
        return kept;
    }

    private static void CutAroundAstralGraphemes(WordSegmenter words, string text, List<string> tokens)
    {
        var runStart = 0;
        foreach (var (start, length) in Graphemes.Spans(text))
        {
            if (!Graphemes.HasSurrogates(text.AsSpan(start, length))) continue;
            if (start > runStart) words.Cut(text.AsSpan(runStart, start - runStart), tokens);
            // Unpaired surrogates (possible only in text that did not come from a file) become U+FFFD.
            tokens.Add(Graphemes.WellFormedWithoutWhitespace(text.AsSpan(start, length)));
            runStart = start + length;
        }
        if (runStart < text.Length) words.Cut(text.AsSpan(runStart), tokens);
    }

    /// <summary>The tokens without whitespace tokens and stop words.</summary>
    private string[] Kept(List<string> tokens)
    {
        var span = CollectionsMarshal.AsSpan(tokens);
        var kept = 0;
        foreach (var token in span)
            if (!string.IsNullOrWhiteSpace(token) && (stopWords is null || !stopWords.Contains(token)))
                span[kept++] = token;
        return span[..kept].ToArray();
    }
}

namespace Changwen.Text.Jieba;

/// <summary>
/// The character classes of jieba's regular expressions (jieba.NET 0.42.2, precise mode), as predicates: the
/// segmenter scans text once instead of splitting it with <c>Regex.Split</c>.
/// </summary>
internal static class JiebaCharacters
{
    private const char FirstHan = '\u4E00';
    private const char LastHan = '\u9FD5';

    /// <summary>ASCII characters of the block pattern besides letters and digits: <c>+#&amp;._%-</c>.</summary>
    private static readonly bool[] AsciiBlockPunctuation = MakeAscii("+#&._%-");

    /// <summary>
    /// A character of jieba's block pattern <c>[\u4E00-\u9FD5a-zA-Z0-9+#&amp;\._%·\-]</c>: maximal runs of these are cut
    /// through the dictionary (and the HMM); every other character is a token of its own.
    /// </summary>
    public static bool IsBlock(char c) =>
        c < 128 ? IsAsciiLetterOrDigit(c) || AsciiBlockPunctuation[c] : IsHan(c) || c == '\u00B7';

    /// <summary>The HMM's Chinese pattern <c>[\u4E00-\u9FD5]</c> (CJK Unified Ideographs up to Unicode 8).</summary>
    public static bool IsHan(char c) => (uint)(c - FirstHan) <= LastHan - FirstHan;

    /// <summary>Index of a <see cref="IsHan"/> character in tables that cover that range.</summary>
    public static int HanIndex(char c) => c - FirstHan;

    public const int HanCount = LastHan - FirstHan + 1;

    /// <summary><c>[a-zA-Z0-9]</c>; also what <c>\d</c> can match inside a block (only ASCII digits get there).</summary>
    public static bool IsAsciiLetterOrDigit(char c) => char.IsAsciiLetterOrDigit(c);

    private static bool[] MakeAscii(string characters)
    {
        var table = new bool[128];
        foreach (var c in characters) table[c] = true;
        return table;
    }
}

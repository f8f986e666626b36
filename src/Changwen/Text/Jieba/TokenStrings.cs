namespace Changwen.Text.Jieba;

/// <summary>
/// Strings for tokens. Most tokens are a single character (punctuation, digits, characters outside words), so those
/// come from one shared table instead of a new string each time: less garbage, and equal tokens are one object.
/// </summary>
internal static class TokenStrings
{
    private static readonly string?[] Characters = new string?[65536];

    /// <summary>"\r\n", which jieba keeps as one token.</summary>
    public const string CarriageReturnLineFeed = "\r\n";

    public static string Of(char c) => Characters[c] ??= c.ToString();

    public static string Of(ReadOnlySpan<char> text) => text.Length == 1 ? Of(text[0]) : new string(text);
}

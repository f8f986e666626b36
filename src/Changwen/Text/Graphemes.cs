using System.Globalization;
using System.Text;

namespace Changwen.Text;

/// <summary>
/// What Unicode text segmentation (UAX #29, through <see cref="StringInfo"/>) and <see cref="Rune"/> say about text,
/// for the tokenizers: where the user-perceived characters are, and which of them lie outside the Basic Multilingual
/// Plane (the ones UTF-16 stores as surrogate pairs, which code working on UTF-16 chars would cut in half).
/// </summary>
public static class Graphemes
{
    /// <summary>The graphemes of <paramref name="text"/> as (start, length) in UTF-16 chars, in order.</summary>
    public static IEnumerable<(int Start, int Length)> Spans(string text)
    {
        for (var start = 0; start < text.Length;)
        {
            var length = StringInfo.GetNextTextElementLength(text.AsSpan(start));
            yield return (start, length);
            start += length;
        }
    }

    /// <summary>Whether <paramref name="text"/> holds any surrogate, paired (a character outside the BMP) or not.</summary>
    public static bool HasSurrogates(ReadOnlySpan<char> text) => text.IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>
    /// <paramref name="text"/> without whitespace and with every unpaired surrogate replaced by U+FFFD (as a UTF-8
    /// writer would do), so the result can be written and read back unchanged.
    /// </summary>
    public static string WellFormedWithoutWhitespace(ReadOnlySpan<char> text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
            if (!Rune.IsWhiteSpace(rune)) result.Append(rune.ToString());
        return result.ToString();
    }

    /// <summary>Whether <paramref name="text"/> is well-formed UTF-16 (no unpaired surrogate), i.e. survives UTF-8 unchanged.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out _, out var consumed) != System.Buffers.OperationStatus.Done) return false;
            text = text[consumed..];
        }
        return true;
    }
}

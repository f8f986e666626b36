namespace Changwen.Bundle;

/// <summary>
/// Whether a text is one a model can be asked about: not binary data (NUL or other control bytes, or mostly bytes that
/// were not UTF-8), and valid UTF-16 (no unpaired surrogate, which cannot be segmented or written back as UTF-8).
/// </summary>
public static class ScorableText
{
    /// <summary>Above this share of control characters or U+FFFD (undecodable bytes), a line is taken for binary data.</summary>
    public const double BinaryShare = 0.1;

    /// <summary>Null for a scorable text, else why not (one clause, for an error record).</summary>
    public static string? Problem(string text)
    {
        long suspicious = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return "the text holds a NUL character: binary data, not text. Give UTF-8 text";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return $"the text holds an unpaired UTF-16 surrogate (\\u{(int)c:x4}) at position {i}. Give valid Unicode text";
            if (c == '\uFFFD' || (char.IsControl(c) && c is not ('\t' or '\r' or '\n'))) suspicious++;
        }
        return text.Length > 0 && suspicious > BinaryShare * text.Length
            ? $"{suspicious} of {text.Length} characters are control characters or undecodable bytes: binary data, not UTF-8 text"
            : null;
    }
}

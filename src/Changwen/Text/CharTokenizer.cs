using System.Text;

namespace Changwen.Text;

/// <summary>
/// One token per non-whitespace character. Version 2 (<see cref="TokenizerOptions.Version"/>) counts characters as
/// Unicode graphemes: 𠮷 is one token, and so are 👍🏽 (emoji and skin-tone modifier), 🇨🇳 (a flag), ❤️ and é written
/// as e plus a combining accent. Version 1 counted code points (a surrogate pair was one token, a modifier another).
/// Unpaired surrogates become U+FFFD.
/// </summary>
public sealed class CharTokenizer(IReadOnlySet<string>? stopWords = null, int version = TokenizerOptions.CurrentVersion) : ITokenizer
{
    public string[] Tokenize(string text)
    {
        var tokens = new List<string>(text.Length);
        if (version >= 2)
        {
            foreach (var (start, length) in Graphemes.Spans(text))
            {
                // A grapheme may start with whitespace (a space carrying a combining mark): the mark alone is kept, as in version 1.
                var token = length == 1 && !char.IsSurrogate(text[start])
                    ? (char.IsWhiteSpace(text[start]) ? "" : text.Substring(start, 1))
                    : Graphemes.WellFormedWithoutWhitespace(text.AsSpan(start, length));
                Add(token);
            }
        }
        else
        {
            foreach (var rune in text.EnumerateRunes())
                if (!Rune.IsWhiteSpace(rune)) Add(rune.ToString());
        }
        return tokens.ToArray();

        void Add(string token)
        {
            if (token.Length > 0 && (stopWords is null || !stopWords.Contains(token))) tokens.Add(token);
        }
    }
}

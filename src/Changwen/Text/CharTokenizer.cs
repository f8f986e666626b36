using System.Text;

namespace Changwen.Text;

/// <summary>One token per non-whitespace character (a surrogate pair counts as one character).</summary>
public sealed class CharTokenizer(IReadOnlySet<string>? stopWords = null) : ITokenizer
{
    public string[] Tokenize(string text)
    {
        var tokens = new List<string>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune)) continue;
            var token = rune.ToString();
            if (stopWords is null || !stopWords.Contains(token)) tokens.Add(token);
        }
        return tokens.ToArray();
    }
}

namespace Changwen.Text;

/// <summary>Turns a document's text into tokens. Implementations are safe for concurrent callers.</summary>
public interface ITokenizer
{
    /// <summary>The tokens of <paramref name="text"/>, in order; never whitespace.</summary>
    string[] Tokenize(string text);
}

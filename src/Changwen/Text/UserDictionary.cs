using System.Security.Cryptography;
using System.Text;

namespace Changwen.Text;

/// <summary>One line of a jieba user dictionary: <c>word [frequency] [tag]</c>.</summary>
public sealed record UserWord(string Word, int? Frequency, string? Tag);

/// <summary>A jieba user dictionary read from a file (jieba's format: <c>word [frequency] [tag]</c> per line).</summary>
public sealed class UserDictionary
{
    private UserDictionary(IReadOnlyList<UserWord> entries, string contentHash)
    {
        Entries = entries;
        ContentHash = contentHash;
    }

    public IReadOnlyList<UserWord> Entries { get; }

    /// <summary>SHA-256 of the file's bytes: two files with the same content are the same dictionary.</summary>
    public string ContentHash { get; }

    public static UserDictionary Load(string path)
    {
        var bytes = TextFiles.ReadBytes(path, "user dictionary");
        var entries = new List<UserWord>();
        var lineNumber = 0;
        foreach (var raw in TextFiles.Lines(path, bytes, "user dictionary"))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            int? frequency = null;
            string? tag = null;
            var bad = fields.Length > 3;
            if (fields.Length == 2)
            {
                if (int.TryParse(fields[1], out var f) && f >= 0) frequency = f;
                else tag = fields[1];
            }
            else if (fields.Length == 3)
            {
                if (int.TryParse(fields[1], out var f) && f >= 0) frequency = f;
                else bad = true;
                tag = fields[2];
            }
            if (bad)
                throw UserInputException.At(path, lineNumber,
                    "not a jieba user-dictionary line. Write 'word [frequency] [tag]', e.g. '云计算 5 n'");
            entries.Add(new UserWord(fields[0], frequency, tag));
        }
        return new UserDictionary(entries, Convert.ToHexString(SHA256.HashData(bytes)));
    }
}

/// <summary>Reading the small UTF-8 text files a user hands the tokenizer, with one-line errors naming them.</summary>
internal static class TextFiles
{
    public static byte[] ReadBytes(string path, string what)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserInputException.At(path, null, $"cannot read the {what} ({e.Message}). Check the path and permissions");
        }
    }

    public static IEnumerable<string> Lines(string path, byte[] bytes, string what)
    {
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException)
        {
            throw UserInputException.At(path, null, $"the {what} is not UTF-8. Save it as UTF-8");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return text.Split('\n').Select(l => l.TrimEnd('\r'));
    }

    public static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

using System.Globalization;

namespace Changwen.Data;

/// <summary>
/// How a <see cref="Document.Source"/> is spelled: a document file's path ("a/b.txt"), or a line file's path and
/// 1-based line ("train.tsv:12"), relative to the corpus root with '/' separators.
/// </summary>
internal static class DocumentSource
{
    public static string OfLine(string file, long line) => $"{file}:{line}";

    /// <summary>"file:12" → "file"; a folder document's source is its file.</summary>
    public static string FileOf(string source)
    {
        var colon = source.LastIndexOf(':');
        return colon > 0 && source[(colon + 1)..].All(char.IsAsciiDigit) ? source[..colon] : source;
    }

    public static long? LineOf(string source)
    {
        var colon = source.LastIndexOf(':');
        return colon > 0 && long.TryParse(source[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line : null;
    }
}

using System.Text;

namespace Changwen.Data;

/// <summary>
/// A split record (<c>source&lt;TAB&gt;split</c>, written by <see cref="Corpus.WriteSplits"/>) as read back: line
/// sources ("file:12") one byte a line in <see cref="LineSplits"/>, other sources (document files, or the split files
/// of a corpus with its own split) by name in file order. The file format is unchanged, so old runs' records read.
/// </summary>
internal sealed class SplitRecord
{
    /// <summary>Lines beyond this are kept by name: a hand-edited record must not make a line array of gigabytes.</summary>
    private const long MaxLine = int.MaxValue;
    private readonly Dictionary<string, Split> _named = new(StringComparer.Ordinal);
    private readonly LineSplits _lines = new();

    public int Count => _named.Count + _lines.Count;

    public static SplitRecord Read(string path)
    {
        if (!File.Exists(path)) throw UserInputException.At(path, null, "does not exist. Give the splits file written by an earlier run");
        var record = new SplitRecord();
        long lineNo = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNo++;
            if (lineNo == 1 && line.StartsWith("source\t", StringComparison.Ordinal) || line.Length == 0) continue;
            var tab = line.LastIndexOf('\t');
            Split? split = tab < 0 ? null : line.AsSpan(tab + 1).Trim() switch
            {
                var s when s.Equals("train", StringComparison.OrdinalIgnoreCase) => Split.Train,
                var s when s.Equals("val", StringComparison.OrdinalIgnoreCase) => Split.Val,
                var s when s.Equals("test", StringComparison.OrdinalIgnoreCase) => Split.Test,
                _ => null,
            };
            if (split is null) throw UserInputException.At(path, lineNo, "is not source<TAB>train|val|test. Restore the file written by changwen");
            record.Set(line[..tab], split.Value);
        }
        if (record.Count == 0) throw UserInputException.At(path, null, "records no split. Restore the file written by changwen");
        return record;
    }

    private void Set(string source, Split split)
    {
        if (IsLine(source, out var file, out var line)) _lines.Set(_lines.FileIndex(file.ToString()), line, split);
        else _named[source] = split;
    }

    private static bool IsLine(string source, out ReadOnlySpan<char> file, out long line) =>
        LineSplits.TryParse(source, out file, out line) && line <= MaxLine
        && source.Length - file.Length - 1 == DigitCount(line); // "f:007" is kept by name, as written

    private static int DigitCount(long n) => n < 10 ? 1 : 1 + DigitCount(n / 10);

    private Split? TryGet(string key) =>
        IsLine(key, out _, out _) ? _lines.Of(key) : _named.TryGetValue(key, out var s) ? s : null;

    /// <summary>
    /// The recorded split of a source, or null when the record has none. A corpus with its own split files is recorded
    /// file by file, so a line's source falls back to its file ("a/b.txt:12" → "a/b.txt" → "a").
    /// </summary>
    public Split? Find(string source)
    {
        for (var key = source; key.Length > 0; key = ParentKey(key))
            if (TryGet(key) is { } split) return split;
        return null;
    }

    private static string ParentKey(string key)
    {
        var file = DocumentSource.FileOf(key);
        if (file != key) return file;
        var slash = key.LastIndexOf('/');
        return slash > 0 ? key[..slash] : "";
    }

    /// <summary>Every entry: the named ones in file order, then the lines in source order (how changwen writes them).</summary>
    public IEnumerable<(string Source, Split Split)> Entries() =>
        _named.Select(n => (n.Key, n.Value)).Concat(_lines.InSourceOrder());

    /// <summary>Every entry in the ordinal order of its source.</summary>
    public IEnumerable<(string Source, Split Split)> InSourceOrder() =>
        _named.Count == 0 ? _lines.InSourceOrder()
        : Entries().OrderBy(e => e.Source, StringComparer.Ordinal); // names: a record per file, small
}

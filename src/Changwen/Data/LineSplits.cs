using System.Globalization;

namespace Changwen.Data;

/// <summary>
/// The split of every line of some line files, one byte a line (0: no split, else 1 + <see cref="Split"/>): a million
/// documents cost a megabyte, where a dictionary from each "file:line" source cost 150–250 bytes a document.
/// </summary>
internal sealed class LineSplits
{
    private readonly List<string> _files = [];
    private readonly List<byte[]> _byLine = [];

    public int Count { get; private set; }

    /// <summary>Index of <paramref name="file"/>, added when new.</summary>
    public int FileIndex(string file)
    {
        var i = _files.IndexOf(file);
        if (i >= 0) return i;
        _files.Add(file);
        _byLine.Add(new byte[1024]);
        return _files.Count - 1;
    }

    public void Set(int file, long line, Split split)
    {
        var lines = _byLine[file];
        if (line >= lines.Length)
        {
            var grown = new byte[Math.Max(line + 1, 2L * lines.Length)];
            lines.CopyTo(grown, 0);
            _byLine[file] = lines = grown;
        }
        if (lines[line] == 0) Count++;
        lines[line] = (byte)(1 + (int)split);
    }

    /// <summary>The split of a "file:line" source; null when the source is not a line of a known file or has none.</summary>
    public Split? Of(string source) => TryParse(source, out var file, out var line) ? Of(file, line) : null;

    private Split? Of(ReadOnlySpan<char> file, long line)
    {
        for (var i = 0; i < _files.Count; i++)
            if (file.SequenceEqual(_files[i]))
            {
                var lines = _byLine[i];
                return line < lines.Length && lines[line] != 0 ? (Split)(lines[line] - 1) : null;
            }
        return null;
    }

    /// <summary>"file:12" → ("file", 12), spelt as <see cref="DocumentSource.OfLine"/> writes it and <see cref="DocumentSource.LineOf"/> reads it.</summary>
    public static bool TryParse(string source, out ReadOnlySpan<char> file, out long line)
    {
        var colon = source.LastIndexOf(':');
        file = colon > 0 ? source.AsSpan(0, colon) : default;
        line = 0;
        return colon > 0 && long.TryParse(source.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out line);
    }

    /// <summary>Every (source, split), sources in ordinal order (the order of the split record).</summary>
    public IEnumerable<(string Source, Split Split)> InSourceOrder()
    {
        var order = new LineSourceOrder(_files);
        var packed = new long[Count];
        var n = 0;
        for (var f = 0; f < _files.Count; f++)
        {
            var lines = _byLine[f];
            for (long line = 0; line < lines.Length; line++)
                if (lines[line] != 0) packed[n++] = LineSourceOrder.Pack(f, line);
        }
        Array.Sort(packed, order);
        foreach (var p in packed)
            yield return (order.Source(p), (Split)(_byLine[LineSourceOrder.FileOf(p)][LineSourceOrder.LineOf(p)] - 1));
    }
}

namespace Changwen.Data;

/// <summary>
/// Orders line documents, each packed as <see cref="Pack"/> (file index, line), exactly as <see cref="StringComparer.Ordinal"/>
/// orders their sources ("file:line"), without building the strings: the split and the split record were defined on
/// those strings ("train.tsv:10" before "train.tsv:9"), and a corpus of millions of lines must not hold one per line.
/// </summary>
internal sealed class LineSourceOrder : IComparer<long>
{
    private const int LineBits = 40;
    private const long LineMask = (1L << LineBits) - 1;
    private readonly string[] _files;
    /// <summary>Sign of the ordinal comparison of "a:" and "b:" when neither is a prefix of the other; 0 when one is.</summary>
    private readonly int[,] _fileOrder;

    public LineSourceOrder(IReadOnlyList<string> files)
    {
        _files = files.ToArray();
        _fileOrder = new int[_files.Length, _files.Length];
        for (var a = 0; a < _files.Length; a++)
            for (var b = 0; b < _files.Length; b++)
            {
                string pa = _files[a] + ":", pb = _files[b] + ":";
                _fileOrder[a, b] = pa.StartsWith(pb, StringComparison.Ordinal) || pb.StartsWith(pa, StringComparison.Ordinal)
                    ? 0 : Math.Sign(string.CompareOrdinal(pa, pb));
            }
    }

    public static long Pack(int file, long line)
    {
        if (line is < 0 or > LineMask) throw new ArgumentOutOfRangeException(nameof(line), line, "a line number beyond 2^40");
        return ((long)file << LineBits) | line;
    }

    public static int FileOf(long packed) => (int)(packed >> LineBits);
    public static long LineOf(long packed) => packed & LineMask;

    public string Source(long packed) => DocumentSource.OfLine(_files[FileOf(packed)], LineOf(packed));

    public int Compare(long x, long y)
    {
        int fx = FileOf(x), fy = FileOf(y);
        if (fx != fy && _fileOrder[fx, fy] != 0) return _fileOrder[fx, fy];
        if (fx != fy) return Math.Sign(string.CompareOrdinal(Source(x), Source(y))); // "a:" a prefix of "a:b:": rare, exact
        // Same file: the sources share "file:", so the decimal digits decide, compared as text.
        Span<char> a = stackalloc char[20], b = stackalloc char[20];
        LineOf(x).TryFormat(a, out var na, provider: System.Globalization.CultureInfo.InvariantCulture);
        LineOf(y).TryFormat(b, out var nb, provider: System.Globalization.CultureInfo.InvariantCulture);
        return Math.Sign(a[..na].SequenceCompareTo(b[..nb]));
    }
}

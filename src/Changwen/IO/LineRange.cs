namespace Changwen.IO;

/// <summary>
/// The bytes <c>[Start, End)</c> of a file that one of N shards covers, and the file-wide number (from 1) of the line
/// at <see cref="Start"/>. The file is cut at N equal byte offsets, each moved forward to the next line start, and
/// further to the next line whose number is one more than a multiple of the alignment (so a shard holds whole chunks
/// of the unsharded run, which scores in chunks). Finding a range reads the file up to <see cref="End"/> through a
/// fixed buffer, counting line breaks, never holding lines. Every line belongs to exactly one shard, and the shards
/// in order are the whole file.
/// </summary>
public sealed record LineRange(long Start, long End, long FirstLine)
{
    public long Length => End - Start;

    private const int BufferSize = 1 << 20;

    /// <summary>
    /// The range of shard <paramref name="index"/> of <paramref name="count"/> in a seekable stream; every shard but
    /// the first starts at a line numbered <c>k × <paramref name="alignLines"/> + 1</c>.
    /// </summary>
    public static LineRange Of(Stream stream, int index, int count, int alignLines = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignLines, 1);
        var length = stream.Length;
        // Each boundary depends on its cut only, so shard i's end is shard i+1's start; line numbers are counted on
        // from the previous '\n' boundary, so the file is read once up to the end.
        var first = AfterNewline(stream, Cut(length, index, count), (0, 1));
        var (start, firstLine) = Aligned(stream, first, alignLines);
        var (end, _) = Aligned(stream, AfterNewline(stream, Cut(length, index + 1, count), first), alignLines);
        return new LineRange(start, end, firstLine);
    }

    /// <summary>The first position ≥ <paramref name="cut"/> just after a '\n' (or 0, or the end) and its line number, counted on from <paramref name="from"/>.</summary>
    private static (long Position, long Line) AfterNewline(Stream stream, long cut, (long Position, long Line) from)
    {
        var position = LineStartAtOrAfter(stream, cut);
        return (position, from.Line + LineBreaksBetween(stream, from.Position, position));
    }

    /// <summary>The first line start at or after <paramref name="at"/> whose number is one more than a multiple of <paramref name="alignLines"/>.</summary>
    private static (long Position, long Line) Aligned(Stream stream, (long Position, long Line) at, int alignLines)
    {
        var toAlign = (int)((alignLines - (at.Line - 1) % alignLines) % alignLines);
        var (position, advanced) = AfterLineBreaks(stream, at.Position, toAlign);
        return (position, at.Line + advanced);
    }

    private static long Cut(long length, int index, int count) => (long)((Int128)length * index / count);

    /// <summary>The first offset ≥ <paramref name="offset"/> where a line starts (0, or just after a '\n'), or the length.</summary>
    private static long LineStartAtOrAfter(Stream stream, long offset)
    {
        // Just after '\n': the byte 0x0A is never part of a multi-byte UTF-8 character, so the cut never splits one, and
        // after "\r\n" it falls behind the whole line break.
        if (offset == 0 || offset >= stream.Length) return Math.Min(offset, stream.Length);
        stream.Position = offset - 1;
        var buffer = new byte[64 * 1024];
        for (int read; (read = stream.Read(buffer)) > 0;)
        {
            var at = buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (at >= 0) return stream.Position - read + at + 1;
        }
        return stream.Length;
    }

    /// <summary>
    /// The line breaks in the bytes <c>[start, end)</c> as <see cref="TextReader.ReadLine"/> counts them: "\n", "\r\n"
    /// and a lone "\r" each end a line, so line numbers match an unsharded read of the same file.
    /// </summary>
    private static long LineBreaksBetween(Stream stream, long start, long end)
    {
        stream.Position = start;
        var buffer = new byte[BufferSize];
        long breaks = 0, left = end - start;
        var carriageReturnPending = false;   // the previous buffer ended in '\r': a lone one unless '\n' comes next
        while (left > 0)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) break;
            left -= read;
            var span = buffer.AsSpan(0, read);
            if (carriageReturnPending && span[0] != (byte)'\n') breaks++;
            breaks += span.Count((byte)'\n');   // vectorised; the common case ends here
            carriageReturnPending = false;
            for (var at = span.IndexOf((byte)'\r'); at >= 0;)
            {
                if (at + 1 == span.Length) { carriageReturnPending = true; break; }
                if (span[at + 1] != (byte)'\n') breaks++;
                var next = span[(at + 1)..].IndexOf((byte)'\r');
                at = next < 0 ? -1 : at + 1 + next;
            }
        }
        // The end is just after '\n', so a '\r' cannot be pending there.
        return breaks;
    }

    /// <summary>
    /// The position after <paramref name="lines"/> more line breaks (as ReadLine counts them) from
    /// <paramref name="start"/>, and how many there were before the end of the stream. At most a chunk of lines.
    /// </summary>
    private static (long Position, int Lines) AfterLineBreaks(Stream stream, long start, int lines)
    {
        if (lines == 0) return (start, 0);
        stream.Position = start;
        var buffer = new byte[1 << 16];
        var seen = 0;
        var carriageReturnPending = false;   // a '\r' just seen: "\r\n" is one break, a lone '\r' another
        var position = start;                 // of buffer[0]
        for (int read; (read = stream.Read(buffer)) > 0; position += read)
            for (var i = 0; i < read; i++)
            {
                var b = buffer[i];
                if (carriageReturnPending)
                {
                    carriageReturnPending = false;
                    if (b == '\n')
                    {
                        if (++seen == lines) return (position + i + 1, seen);
                        continue;
                    }
                    if (++seen == lines) return (position + i, seen);
                }
                if (b == '\r') carriageReturnPending = true;
                else if (b == '\n' && ++seen == lines) return (position + i + 1, seen);
            }
        if (carriageReturnPending) seen++;
        return (stream.Length, seen);
    }
}

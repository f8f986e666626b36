namespace Changwen.IO;

/// <summary>
/// A read-only view of the bytes <c>[start, end)</c> of a seekable stream, which reads as a stream of its own: a
/// <see cref="StreamReader"/> over it stops at <c>end</c> however far ahead it buffers. Does not own the stream.
/// </summary>
public sealed class StreamWindow : Stream
{
    private readonly Stream inner;
    private readonly long start;
    private readonly long end;

    public StreamWindow(Stream inner, long start, long end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, start);
        (this.inner, this.start, this.end) = (inner, start, end);
        inner.Position = start;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => end - start;

    /// <summary>Bytes of the window read so far.</summary>
    public override long Position
    {
        get => inner.Position - start;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = end - inner.Position;
        if (left <= 0) return 0;
        return inner.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

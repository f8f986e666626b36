using System.Security.Cryptography;

namespace Changwen.IO;

/// <summary>
/// Passes every byte written on to <paramref name="inner"/> and into <paramref name="hash"/>, so a file's checksum is
/// computed as it is written, without first collecting its bytes in memory (weights and checkpoints run to hundreds of
/// megabytes). Disposing it leaves the inner stream open.
/// </summary>
internal sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
{
    public long Written { get; private set; }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.AppendData(buffer);
        inner.Write(buffer);
        Written += buffer.Length;
    }
}

using ICSharpCode.SharpZipLib.GZip;
using ICSharpCode.SharpZipLib;

namespace Changwen.IO;

/// <summary>
/// Reads a .gz file and fails on damage instead of returning less: SharpZipLib's <see cref="GZipInputStream"/> (which
/// reads every member of a multi-member file and checks each CRC-32 and length), with its exceptions turned into
/// <see cref="InvalidDataException"/>, the one the corpus readers already report with the file's name.
/// </summary>
public sealed class CheckedGzipStream(Stream compressed) : Stream
{
    private readonly GZipInputStream inner = new(compressed) { IsStreamOwner = true };

    public override int Read(byte[] buffer, int offset, int count)
    {
        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (SharpZipBaseException e)
        {
            throw new InvalidDataException(Describe(e), e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the file ends before its compressed data does: truncated", e);
        }
    }

    private static string Describe(SharpZipBaseException e) =>
        e.Message.Contains("EOF", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("end of", StringComparison.OrdinalIgnoreCase)
            ? $"the file ends before its compressed data does: truncated ({e.Message.TrimEnd('.')})"
            : e.Message.TrimEnd('.');

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}

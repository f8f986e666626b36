using System.IO.Compression;
using Changwen.IO;
using System.Text;

namespace Changwen.Data;

/// <summary>
/// The files of one corpus, named relative to its root, opened as text: document files decoded whole, line files
/// (plain or .gz) streamed in the encoding detected from their first bytes. Notes each file's encoding in
/// <see cref="CorpusReadStatistics"/>, and turns decoding and gzip failures into messages that name file and line.
/// </summary>
internal sealed class CorpusFiles(string root, string? forcedEncoding, CorpusReadStatistics statistics)
{
    public string Full(string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>A whole document file, decoded strictly; trailing NUL padding is dropped and noted.</summary>
    public string ReadDocument(string file)
    {
        var full = Full(file);
        var (text, encoding, padded) = TextDecoding.DecodeDocument(ReadAllBytes(full), full, forcedEncoding);
        statistics.NoteFile(file, encoding, padded ? file : null);
        return text;
    }

    /// <summary>The lines of a line file with their 1-based numbers; a NUL anywhere fails the file.</summary>
    public IEnumerable<(long Line, string Text)> ReadLines(string file)
    {
        var full = Full(file);
        using var reader = OpenText(file);
        long lineNo = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException)
            {
                throw UndecodableLine(file, lineNo + 1);
            }
            catch (InvalidDataException e)
            {
                throw NotGzip(full, lineNo + 1, e);
            }
            if (line is null) yield break;
            lineNo++;
            if (line.Contains('\0'))
                throw UserInputException.At(full, lineNo, "contains NUL bytes, so it is a binary or UTF-16 file, not text. Remove it from the corpus or convert it to UTF-8");
            yield return (lineNo, line);
        }
    }

    /// <summary>A reader over a (possibly gzip-compressed) text file, in the encoding detected from its first bytes.</summary>
    public StreamReader OpenText(string file)
    {
        var full = Full(file);
        byte[] sample = new byte[TextDecoding.SampleBytes];
        int n;
        bool whole;
        try
        {
            using var probe = OpenRaw(full);
            n = probe.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
            whole = n < sample.Length;
        }
        catch (InvalidDataException e)
        {
            throw NotGzip(full, null, e);
        }
        var (encoding, name) = TextDecoding.DetectForLines(sample.AsSpan(0, n), whole, full, forcedEncoding);
        statistics.NoteFile(file, name, null);
        return new StreamReader(OpenRaw(full), encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
    }

    /// <summary>
    /// The decoder fails a whole buffer ahead of the line being read, so the failing line is found by a second,
    /// line-by-line pass (only on this error path).
    /// </summary>
    public UserInputException UndecodableLine(string file, long nearLine)
    {
        var full = Full(file);
        var name = statistics.EncodingOf(file) ?? TextDecoding.Utf8Name;
        var line = FirstUndecodableLine(full, TextDecoding.ByName(name)) ?? nearLine;
        return UserInputException.At(full, line, $"holds bytes that are not valid {name}. Convert the file to UTF-8 or pass --encoding with its real encoding");
    }

    /// <summary>
    /// The raw bytes of a file, decompressed when its name ends in .gz. A truncated or damaged .gz fails with
    /// <see cref="InvalidDataException"/> (SharpZipLib checks every member's CRC-32 and length; .NET's GZipStream
    /// returns a truncated file's bytes as if they were all), and so does an unreadable file.
    /// </summary>
    public static Stream OpenRaw(string full)
    {
        var stream = OpenFile(full);
        return full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new CheckedGzipStream(stream) : stream;
    }

    /// <summary>A corpus file opened for reading; a dangling or looping link, a missing or unreadable file is one line naming it.</summary>
    public static FileStream OpenFile(string full)
    {
        try
        {
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !IO.DiskFull.Is(e))
        {
            throw CannotRead(full, e);
        }
    }

    public static byte[] ReadAllBytes(string full)
    {
        try
        {
            return File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !IO.DiskFull.Is(e))
        {
            throw CannotRead(full, e);
        }
    }

    private static UserInputException CannotRead(string full, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException when new FileInfo(full).LinkTarget is { } target =>
            UserInputException.At(full, null, $"is a symbolic link to '{target}', which does not exist. Remove the link from the corpus or restore its target"),
        FileNotFoundException or DirectoryNotFoundException =>
            UserInputException.At(full, null, "disappeared while the corpus was read. Run the command again on a corpus that does not change"),
        UnauthorizedAccessException =>
            UserInputException.At(full, null, "cannot be read (permission denied). Give read permission or remove it from the corpus"),
        _ => UserInputException.At(full, null, $"cannot be read ({e.Message.Split(" : ")[0].TrimEnd('.')}). Remove it from the corpus or fix it (a symbolic link loop?)"),
    };

    private static UserInputException NotGzip(string full, long? line, InvalidDataException e) =>
        UserInputException.At(full, line, $"is not a valid gzip file ({e.Message}). Re-compress or decompress it");

    private static long? FirstUndecodableLine(string full, Encoding encoding)
    {
        using var stream = new BufferedStream(OpenRaw(full), 1 << 16);
        var line = new MemoryStream();
        long lineNo = 1;
        bool Decodes()
        {
            try { encoding.GetCharCount(line.GetBuffer(), 0, (int)line.Length); return true; }
            catch (DecoderFallbackException) { return false; }
        }
        int b;
        while ((b = stream.ReadByte()) >= 0)
        {
            if (b != '\n') { line.WriteByte((byte)b); continue; }
            if (!Decodes()) return lineNo;
            lineNo++;
            line.SetLength(0);
        }
        return Decodes() ? null : lineNo;
    }
}

using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Changwen.Data;

/// <summary>
/// Turns corpus bytes into text. Chinese corpora come in UTF-8 (with or without BOM) and GB18030/GBK; the encoding is
/// detected per file (strict UTF-8 first, then strict GB18030) unless the user forces one. Decoding is always strict:
/// a silently replaced character (U+FFFD) would reach the vocabulary and the model unnoticed.
/// </summary>
internal static class TextDecoding
{
    public const string Utf8Name = "utf-8";
    public const string Gb18030Name = "gb18030";

    // Must stay the first static initializer: GB18030 below exists only once the code-page provider is registered.
    private static readonly bool CodePagesRegistered = RegisterCodePages();

    private static bool RegisterCodePages()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    }

    /// <summary>Bytes sampled from the start of a line file to detect its encoding.</summary>
    public const int SampleBytes = 1 << 20;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static Encoding StrictUtf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    public static Encoding StrictGb18030 { get; } =
        Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>The strict encoding the user asked for, or null to detect per file.</summary>
    public static (Encoding Encoding, string Name)? Forced(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        switch (name.Trim().ToLowerInvariant())
        {
            case "utf-8" or "utf8": return (StrictUtf8, Utf8Name);
            case "gb18030": return (StrictGb18030, Gb18030Name);
            case "gbk" or "gb2312" or "cp936":
                return (Encoding.GetEncoding(936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback), "gbk");
            default:
                throw new UserInputException($"--encoding '{name}' is not supported. Use utf-8, gb18030 or gbk (or leave it out to detect per file).");
        }
    }

    /// <summary>The strict encoding of a name this class reports (utf-8, gb18030, gbk).</summary>
    public static Encoding ByName(string name) => Forced(name)?.Encoding ?? StrictUtf8;

    /// <summary>One document file, decoded. <paramref name="path"/> is only used in messages.</summary>
    public static (string Text, string EncodingName, bool NulPaddingTrimmed) DecodeDocument(byte[] bytes, string path, string? forcedName)
    {
        var forced = Forced(forcedName);
        var length = bytes.Length;
        var nulPadding = false;
        var firstNul = Array.IndexOf(bytes, (byte)0);
        if (firstNul >= 0)
        {
            // Some old corpora (Fudan) pad documents with NULs after the last line; that tail is not text and is
            // dropped. A NUL anywhere earlier means a binary or UTF-16 file.
            if (firstNul == 0 || !IsTrailingPadding(bytes.AsSpan(firstNul)))
                throw UserInputException.At(path, LineAt(bytes, firstNul), "contains NUL bytes, so it is a binary or UTF-16 file, not text. Remove it from the corpus or convert it to UTF-8");
            length = firstNul;
            nulPadding = true;
        }

        var span = bytes.AsSpan(0, length);
        if (span.StartsWith(Utf8Bom))
        {
            if (forced is null || forced.Value.Name == Utf8Name)
                return (DecodeStrict(span[3..], StrictUtf8, Utf8Name, path), Utf8Name, nulPadding);
        }
        if (forced is { } f)
            return (DecodeStrict(span, f.Encoding, f.Name, path), f.Name, nulPadding);

        if (Utf8.IsValid(span)) return (StrictUtf8.GetString(span), Utf8Name, nulPadding);
        return (DecodeStrict(span, StrictGb18030, "UTF-8 or GB18030", path, alsoTried: StrictUtf8), Gb18030Name, nulPadding);
    }

    /// <summary>
    /// Chooses the encoding of a line file from a sample of its first bytes (the whole file may be gigabytes).
    /// An incomplete character cut off at the end of the sample does not count against UTF-8.
    /// </summary>
    public static (Encoding Encoding, string Name) DetectForLines(ReadOnlySpan<byte> sample, bool sampleIsWholeFile, string path, string? forcedName)
    {
        var nul = sample.IndexOf((byte)0);
        if (nul >= 0)
            throw UserInputException.At(path, LineAt(sample, nul), "contains NUL bytes, so it is a binary or UTF-16 file, not text. Remove it from the corpus or convert it to UTF-8");
        if (sample.StartsWith(Utf8Bom)) return (StrictUtf8, Utf8Name);
        if (Forced(forcedName) is { } forced) return forced;

        var status = Utf8.ToUtf16(sample, new char[sample.Length], out _, out _, replaceInvalidSequences: false, isFinalBlock: sampleIsWholeFile);
        return status is OperationStatus.Done or OperationStatus.NeedMoreData ? (StrictUtf8, Utf8Name) : (StrictGb18030, Gb18030Name);
    }

    /// <summary>True when a NUL run is followed by at most one short line of junk and no further text lines.</summary>
    private static bool IsTrailingPadding(ReadOnlySpan<byte> tail)
    {
        var end = tail.Length;
        while (end > 0 && tail[end - 1] is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t') end--;
        return tail[..end].IndexOf((byte)'\n') < 0;
    }

    private static string DecodeStrict(ReadOnlySpan<byte> span, Encoding encoding, string name, string path, Encoding? alsoTried = null)
    {
        try
        {
            return encoding.GetString(span);
        }
        catch (DecoderFallbackException)
        {
            // The exception's index is not reliably an offset into the input, so find the failing line directly.
            // When neither encoding fits, the one that decodes further is the file's likely encoding: point there.
            var line = FirstUndecodableLine(span, encoding);
            if (alsoTried is not null) line = Math.Max(line, FirstUndecodableLine(span, alsoTried));
            throw UserInputException.At(path, line,
                $"holds bytes that are not valid {name}. Convert the file to UTF-8 or pass --encoding with its real encoding");
        }
    }

    /// <summary>1-based number of the first line that <paramref name="encoding"/> cannot decode ('\n' never occurs inside a UTF-8 or GB18030 character).</summary>
    public static long FirstUndecodableLine(ReadOnlySpan<byte> bytes, Encoding encoding)
    {
        long line = 1;
        while (true)
        {
            var end = bytes.IndexOf((byte)'\n');
            var current = end < 0 ? bytes : bytes[..end];
            try { encoding.GetCharCount(current); }
            catch (DecoderFallbackException) { return line; }
            if (end < 0) return line;
            bytes = bytes[(end + 1)..];
            line++;
        }
    }

    /// <summary>1-based line number of a byte offset.</summary>
    public static long LineAt(ReadOnlySpan<byte> bytes, int offset) =>
        bytes[..Math.Min(offset, bytes.Length)].Count((byte)'\n') + 1;
}

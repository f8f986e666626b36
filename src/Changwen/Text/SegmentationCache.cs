using System.Security.Cryptography;
using System.Text;
using Changwen.IO;

namespace Changwen.Text;

/// <summary>
/// Segmented corpora on disk, so a second run over the same corpus skips segmentation. One file per
/// (content fingerprint, tokenizer settings, class list, format version). Layout:
/// <code>
/// header : magic "CWSEG\r\n\x1A", int32 format version, string key
/// payload: classes, token table, label table, then per split (train, val, test): document count and per document
///          label index, characters, source, token count, token indices (7-bit varints; strings length-prefixed UTF-8)
/// trailer: int64 payload length, SHA-256 of the payload, magic "CWSEGEND"
/// </code>
/// A file whose magic, version, key, length or checksum is wrong is ignored (and rebuilt by the caller).
/// </summary>
public static class SegmentationCache
{
    /// <summary>
    /// Bump whenever the layout or the meaning of the tokens changes. 2: jieba no longer cuts characters outside the
    /// Basic Multilingual Plane into surrogate halves (files of version 1 may hold such halves).
    /// </summary>
    public const int FormatVersion = 2;

    private static readonly byte[] HeaderMagic = "CWSEG\r\n\x1A"u8.ToArray();
    private static readonly byte[] TrailerMagic = "CWSEGEND"u8.ToArray();
    private const int TrailerLength = 8 + 32 + 8;

    /// <summary><c>$CHANGWEN_CACHE</c>, else <c>$XDG_CACHE_HOME/changwen</c>, else <c>~/.cache/changwen</c>.</summary>
    public static string DefaultFolder() => DefaultFolder(Environment.GetEnvironmentVariable);

    internal static string DefaultFolder(Func<string, string?> environment)
    {
        var own = environment("CHANGWEN_CACHE");
        if (!string.IsNullOrEmpty(own)) return own;
        var xdg = environment("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "changwen");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "changwen");
    }

    /// <summary>The full key: everything that decides the tokens. Stored in the file and checked on reading.</summary>
    public static string Key(string contentFingerprint, string tokenizerFingerprint, IReadOnlyList<string> classes) =>
        $"format={FormatVersion};content={contentFingerprint};{tokenizerFingerprint};classes={string.Join('\u001F', classes)}";

    public static string PathFor(string folder, string key) =>
        Path.Combine(folder, "segments", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32].ToLowerInvariant() + ".cwseg");

    /// <summary>
    /// Reads the cached corpus at <paramref name="path"/> if it exists and is whole and made for <paramref name="key"/>.
    /// <paramref name="problem"/> says why an existing file was not used (null when there was no file).
    /// </summary>
    public static bool TryRead(string path, string key, out TokenizedCorpus? corpus, out string? problem)
    {
        corpus = null;
        problem = null;
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) return false;
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return false;
        }
        try
        {
            corpus = Parse(bytes, key, out problem);
            return corpus is not null;
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            problem = "unreadable: " + e.Message;
            return false;
        }
    }

    private static TokenizedCorpus? Parse(byte[] bytes, string key, out string? problem)
    {
        var reader = new SpanReader(bytes);
        if (bytes.Length < HeaderMagic.Length + 4 + TrailerLength || !reader.ReadBytes(HeaderMagic.Length).SequenceEqual(HeaderMagic))
        {
            problem = "not a segmentation cache file";
            return null;
        }
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            problem = $"format version {version}, expected {FormatVersion}";
            return null;
        }
        if (reader.ReadString() != key)
        {
            problem = "made for other content or settings";
            return null;
        }
        var payloadStart = reader.Position;
        var trailer = bytes.AsSpan(bytes.Length - TrailerLength);
        var payloadLength = BitConverter.ToInt64(trailer[..8]);
        if (!trailer[40..].SequenceEqual(TrailerMagic) || payloadLength != bytes.Length - TrailerLength - payloadStart)
        {
            problem = "truncated";
            return null;
        }
        var payload = bytes.AsSpan(payloadStart, (int)payloadLength);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(trailer[8..40]))
        {
            problem = "checksum mismatch";
            return null;
        }

        reader = new SpanReader(bytes, payloadStart);
        var classes = reader.ReadStrings();
        var table = reader.ReadStrings();
        var labels = reader.ReadStrings();
        var splits = new TokenizedDocument[3][];
        for (var s = 0; s < 3; s++)
        {
            var docs = new TokenizedDocument[reader.ReadCount()];
            for (var d = 0; d < docs.Length; d++)
            {
                var label = labels[reader.ReadVarint()];
                var characters = reader.ReadVarint();
                var source = reader.ReadString();
                var tokens = new string[reader.ReadCount()];
                for (var t = 0; t < tokens.Length; t++) tokens[t] = table[reader.ReadVarint()];
                docs[d] = new TokenizedDocument(label, tokens, characters, source);
            }
            splits[s] = docs;
        }
        if (reader.Position != payloadStart + payloadLength) throw new FormatException("payload length disagrees with its contents");
        problem = null;
        return new TokenizedCorpus(classes, splits[0], splits[1], splits[2]);
    }

    /// <summary>Writes <paramref name="corpus"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, string key, TokenizedCorpus corpus)
    {
        AtomicFile.Write(path, stream =>
        {
            using (var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                header.Write(HeaderMagic);
                header.Write(FormatVersion);
                header.Write(key);
            }
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var hashing = new HashingStream(stream, hash);
            using (var buffered = new BufferedStream(hashing, 1 << 16))
            using (var w = new BinaryWriter(buffered, Encoding.UTF8, leaveOpen: true))
            {
                WritePayload(w, corpus);
            }
            using var trailer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            trailer.Write(hashing.Written);
            trailer.Write(hash.GetHashAndReset());
            trailer.Write(TrailerMagic);
        });
    }

    private static void WritePayload(BinaryWriter w, TokenizedCorpus corpus)
    {
        var splits = new[] { corpus.Train, corpus.Val, corpus.Test };
        var tokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokenTable = new List<string>();
        var labelIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var labelTable = new List<string>();
        foreach (var doc in splits.SelectMany(s => s))
        {
            if (labelIds.TryAdd(doc.Label, labelTable.Count)) labelTable.Add(doc.Label);
            foreach (var token in doc.Tokens)
                if (tokenIds.TryAdd(token, tokenTable.Count)) tokenTable.Add(token);
        }
        WriteStrings(w, corpus.Classes);
        WriteStrings(w, tokenTable);
        WriteStrings(w, labelTable);
        foreach (var docs in splits)
        {
            w.Write7BitEncodedInt(docs.Count);
            foreach (var doc in docs)
            {
                w.Write7BitEncodedInt(labelIds[doc.Label]);
                w.Write7BitEncodedInt(doc.Characters);
                w.Write(doc.Source);
                w.Write7BitEncodedInt(doc.Tokens.Length);
                foreach (var token in doc.Tokens) w.Write7BitEncodedInt(tokenIds[token]);
            }
        }
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> strings)
    {
        w.Write7BitEncodedInt(strings.Count);
        foreach (var s in strings) w.Write(s);
    }

    /// <summary>Reads what <see cref="BinaryWriter"/> wrote, straight from a byte array (several times faster than BinaryReader).</summary>
    private ref struct SpanReader(byte[] bytes, int position = 0)
    {
        private readonly ReadOnlySpan<byte> data = bytes;
        public int Position { get; private set; } = position;

        public ReadOnlySpan<byte> ReadBytes(int count)
        {
            var span = data.Slice(Position, count);
            Position += count;
            return span;
        }

        public int ReadInt32() => BitConverter.ToInt32(ReadBytes(4));

        public int ReadVarint()
        {
            var result = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = data[Position++];
                result |= (b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
            throw new FormatException("bad 7-bit integer");
        }

        /// <summary>A count or index that must fit in what is left of the file (guards against huge allocations).</summary>
        public int ReadCount()
        {
            var count = ReadVarint();
            if (count < 0 || count > data.Length - Position) throw new FormatException($"count {count} exceeds the file");
            return count;
        }

        public string ReadString() => Encoding.UTF8.GetString(ReadBytes(ReadCount()));

        public string[] ReadStrings()
        {
            var strings = new string[ReadCount()];
            for (var i = 0; i < strings.Length; i++) strings[i] = ReadString();
            return strings;
        }
    }

    /// <summary>Passes writes through while hashing them and counting bytes.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
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
}

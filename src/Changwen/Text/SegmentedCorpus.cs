using System.Security.Cryptography;
using System.Text;
using Changwen.Data;

namespace Changwen.Text;

/// <summary>One document as the segmentation cache holds it: token indices into <see cref="SegmentedCorpus.Tokens"/>.</summary>
/// <param name="Label">Index into <see cref="SegmentedCorpus.LabelTable"/>.</param>
/// <param name="Characters">Length of the raw text it came from.</param>
public readonly record struct SegmentedDocument(int Label, int Characters, string Source, int[] Tokens);

/// <summary>
/// A segmented corpus read from its cache file (<see cref="SegmentationCache"/>) one document at a time, so memory
/// holds the token and label tables and one label per document, not the documents. The file is checked whole
/// (length and SHA-256) when it is opened. A corpus segmented without a cache folder lives in a temporary file that
/// is deleted on <see cref="Dispose"/>.
/// </summary>
public sealed class SegmentedCorpus : IDisposable
{
    private readonly long payloadStart;
    private readonly long[] starts;
    private readonly int[][] labels;
    private readonly string? deleteOnDispose;

    private SegmentedCorpus(string path, long payloadStart, string[] classes, string[] tokens, string[] labelTable,
        long[] starts, int[][] labels, string? deleteOnDispose)
    {
        Path = path;
        this.payloadStart = payloadStart;
        Classes = classes;
        Tokens = tokens;
        LabelTable = labelTable;
        this.starts = starts;
        this.labels = labels;
        this.deleteOnDispose = deleteOnDispose;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>Every distinct token, in order of first appearance; a document's token indices point here.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The distinct labels of the documents; <see cref="SegmentedDocument.Label"/> points here.</summary>
    public IReadOnlyList<string> LabelTable { get; }

    /// <summary>True when the file was there before this run (a cache hit).</summary>
    public bool FromCache { get; internal set; }

    /// <summary>The cache file, or null when the corpus lives in a temporary file (caching off).</summary>
    public string? CachePath => deleteOnDispose is null ? Path : null;

    public int Count(Split split) => labels[(int)split].Length;

    /// <summary>Each document's label (index into <see cref="LabelTable"/>), in reading order, without reading the documents.</summary>
    public IReadOnlyList<int> Labels(Split split) => labels[(int)split];

    /// <summary>The documents of <paramref name="split"/>, in reading order, read from disk as they are enumerated.</summary>
    public IEnumerable<SegmentedDocument> Read(Split split)
    {
        var count = Count(split);
        if (count == 0) yield break;
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        file.Position = payloadStart + starts[(int)split];
        using var reader = new BinaryReader(file, Encoding.UTF8);
        for (var d = 0; d < count; d++)
        {
            var label = reader.Read7BitEncodedInt();
            var characters = reader.Read7BitEncodedInt();
            var source = reader.ReadString();
            var tokens = new int[reader.Read7BitEncodedInt()];
            for (var t = 0; t < tokens.Length; t++) tokens[t] = reader.Read7BitEncodedInt();
            yield return new SegmentedDocument(label, characters, source, tokens);
        }
    }

    /// <summary>The document as strings (the table's strings, shared by every document that holds them).</summary>
    public TokenizedDocument ToTokenized(SegmentedDocument doc)
    {
        var tokens = new string[doc.Tokens.Length];
        for (var t = 0; t < tokens.Length; t++) tokens[t] = Tokens[doc.Tokens[t]];
        return new TokenizedDocument(LabelTable[doc.Label], tokens, doc.Characters, doc.Source);
    }

    /// <summary>The whole corpus in memory, for the callers that need every document at once.</summary>
    public TokenizedCorpus ToTokenizedCorpus()
    {
        List<TokenizedDocument> All(Split split) => Read(split).Select(ToTokenized).ToList();
        return new TokenizedCorpus(Classes, All(Split.Train), All(Split.Val), All(Split.Test)) { FromCache = FromCache, CachePath = CachePath };
    }

    public void Dispose()
    {
        if (deleteOnDispose is not null)
            try { File.Delete(deleteOnDispose); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Opens the cache file at <paramref name="path"/> if it exists, is whole and was made for <paramref name="key"/>;
    /// <paramref name="problem"/> says why an existing file was not used (null when there was no file).
    /// </summary>
    /// <param name="temporary">The file is this run's own: delete it on <see cref="Dispose"/>.</param>
    public static bool TryOpen(string path, string key, out SegmentedCorpus? corpus, out string? problem, bool temporary = false)
    {
        corpus = null;
        problem = null;
        try
        {
            if (!File.Exists(path)) return false;
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            corpus = Open(file, path, key, temporary, out problem);
            return corpus is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return false;
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException or OverflowException or EndOfStreamException)
        {
            problem = "unreadable: " + e.Message;
            return false;
        }
    }

    private static SegmentedCorpus? Open(FileStream file, string path, string key, bool temporary, out string? problem)
    {
        var magic = SegmentationCache.HeaderMagic;
        var length = file.Length;
        using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        if (length < magic.Length + 4 + SegmentationCache.TrailerLength || !reader.ReadBytes(magic.Length).AsSpan().SequenceEqual(magic))
        {
            problem = "not a segmentation cache file";
            return null;
        }
        var version = reader.ReadInt32();
        if (version != SegmentationCache.FormatVersion)
        {
            problem = $"format version {version}, expected {SegmentationCache.FormatVersion}";
            return null;
        }
        if (reader.ReadString() != key)
        {
            problem = "made for other content or settings";
            return null;
        }
        var payloadStart = file.Position;
        file.Position = length - SegmentationCache.TrailerLength;
        var payloadLength = reader.ReadInt64();
        var checksum = reader.ReadBytes(32);
        if (!reader.ReadBytes(8).AsSpan().SequenceEqual(SegmentationCache.TrailerMagic) ||
            payloadLength != length - SegmentationCache.TrailerLength - payloadStart || payloadLength < 8)
        {
            problem = "truncated";
            return null;
        }
        if (!Checksum(file, payloadStart, payloadLength).AsSpan().SequenceEqual(checksum))
        {
            problem = "checksum mismatch";
            return null;
        }

        file.Position = payloadStart + payloadLength - 8;
        var indexOffset = reader.ReadInt64();
        if (indexOffset < 0 || indexOffset > payloadLength - 8) throw new FormatException("index offset outside the payload");
        file.Position = payloadStart + indexOffset;
        var classes = ReadStrings(reader);
        var tokens = ReadStrings(reader);
        var labelTable = ReadStrings(reader);
        var starts = new long[3];
        var labels = new int[3][];
        for (var s = 0; s < 3; s++)
        {
            var count = ReadCount(reader, payloadLength);
            starts[s] = reader.ReadInt64();
            if (starts[s] < 0 || starts[s] > indexOffset) throw new FormatException("split offset outside the documents");
            labels[s] = new int[count];
            for (var d = 0; d < count; d++)
            {
                labels[s][d] = reader.Read7BitEncodedInt();
                if ((uint)labels[s][d] >= (uint)labelTable.Length) throw new FormatException("label index outside the label table");
            }
        }
        if (file.Position != payloadStart + payloadLength - 8) throw new FormatException("index length disagrees with its contents");
        problem = null;
        return new SegmentedCorpus(path, payloadStart, classes, tokens, labelTable, starts, labels, temporary ? path : null);
    }

    private static byte[] Checksum(FileStream file, long start, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        file.Position = start;
        while (length > 0)
        {
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
            if (read == 0) throw new EndOfStreamException();
            hash.AppendData(buffer, 0, read);
            length -= read;
        }
        return hash.GetHashAndReset();
    }

    /// <summary>A count that must fit in the payload (guards against huge allocations).</summary>
    private static int ReadCount(BinaryReader reader, long payloadLength)
    {
        var count = reader.Read7BitEncodedInt();
        if (count < 0 || count > payloadLength) throw new FormatException($"count {count} exceeds the file");
        return count;
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        var strings = new string[ReadCount(reader, reader.BaseStream.Length)];
        for (var i = 0; i < strings.Length; i++) strings[i] = reader.ReadString();
        return strings;
    }
}

using System.Security.Cryptography;
using System.Text;
using Changwen.Data;
using Changwen.IO;

namespace Changwen.Text;

/// <summary>
/// Segmented corpora on disk, so a second run over the same corpus skips segmentation, and so that no run holds a
/// whole segmented corpus in memory: the file is written while segmenting and read back one document at a time
/// (<see cref="SegmentedCorpus"/>). One file per (content fingerprint, tokenizer settings, class list, format version).
/// Layout:
/// <code>
/// header : magic "CWSEG\r\n\x1A", int32 format version, string key
/// payload: documents, split after split (train, val, test), each: label index, characters, source, token count,
///          token indices; then the index: classes, token table, label table, and per split its document count, the
///          payload offset of its first document and every document's label index; last the int64 offset of the index
///          (integers 7-bit varints; strings length-prefixed UTF-8)
/// trailer: int64 payload length, SHA-256 of the payload, magic "CWSEGEND"
/// </code>
/// Token indices number the distinct tokens in order of first appearance, so the file is the same for the same corpus.
/// A file whose magic, version, key, length or checksum is wrong is ignored (and rebuilt by the caller).
/// </summary>
public static class SegmentationCache
{
    /// <summary>
    /// Bump whenever the layout or the meaning of the tokens changes. 2: jieba no longer cuts characters outside the
    /// Basic Multilingual Plane into surrogate halves (files of version 1 may hold such halves). 3: streamed layout
    /// (documents first, token table in the index at the end).
    /// </summary>
    public const int FormatVersion = 3;

    internal static readonly byte[] HeaderMagic = "CWSEG\r\n\x1A"u8.ToArray();
    internal static readonly byte[] TrailerMagic = "CWSEGEND"u8.ToArray();
    internal const int TrailerLength = 8 + 32 + 8;

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
    /// Reads the whole cached corpus at <paramref name="path"/> into memory if it exists and is whole and made for
    /// <paramref name="key"/>. <paramref name="problem"/> says why an existing file was not used (null when there was no file).
    /// </summary>
    public static bool TryRead(string path, string key, out TokenizedCorpus? corpus, out string? problem)
    {
        corpus = null;
        if (!SegmentedCorpus.TryOpen(path, key, out var segmented, out problem)) return false;
        using (segmented) corpus = segmented!.ToTokenizedCorpus();
        return true;
    }

    /// <summary>Writes <paramref name="corpus"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, string key, TokenizedCorpus corpus) =>
        AtomicFile.Write(path, stream =>
        {
            var writer = new Writer(stream, key, corpus.Classes);
            foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
            {
                writer.BeginSplit(split);
                foreach (var doc in corpus[split]) writer.Add(doc);
            }
            writer.Finish();
        });

    /// <summary>
    /// Writes a cache file document by document: <see cref="BeginSplit"/> for train, val and test in that order,
    /// <see cref="Add(TokenizedDocument)"/> each of their documents, then <see cref="Finish"/>. Holds only the token and label tables and
    /// one label index per document.
    /// </summary>
    internal sealed class Writer
    {
        private readonly Stream target;
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly HashingWriteStream hashing;
        private readonly BufferedStream buffered;
        private readonly BinaryWriter w;
        private readonly IReadOnlyList<string> classes;
        private readonly Dictionary<string, int> tokenIds = new(StringComparer.Ordinal);
        private readonly List<string> tokenTable = [];
        private readonly Dictionary<string, int> labelIds = new(StringComparer.Ordinal);
        private readonly List<string> labelTable = [];
        private readonly List<int>[] labels = [[], [], []];
        private readonly long[] starts = new long[3];
        private int current = -1;

        public Writer(Stream stream, string key, IReadOnlyList<string> classes)
        {
            target = stream;
            this.classes = classes;
            using (var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                header.Write(HeaderMagic);
                header.Write(FormatVersion);
                header.Write(key);
            }
            hashing = new HashingWriteStream(stream, hash);
            buffered = new BufferedStream(hashing, 1 << 16);
            w = new BinaryWriter(buffered, Encoding.UTF8, leaveOpen: true);
        }

        /// <summary>Distinct tokens so far: the table that a document's token indices point into.</summary>
        public int TokenCount => tokenTable.Count;

        public void BeginSplit(Split split)
        {
            if ((int)split <= current) throw new InvalidOperationException("splits must come in the order train, val, test");
            w.Flush();
            for (var s = current + 1; s <= (int)split; s++) starts[s] = hashing.Written;
            current = (int)split;
        }

        public void Add(TokenizedDocument doc) => Add(doc.Label, doc.Tokens, doc.Characters, doc.Source);

        public void Add(string label, string[] tokens, int characters, string source)
        {
            if (current < 0) throw new InvalidOperationException("BeginSplit first");
            if (!labelIds.TryGetValue(label, out var labelIndex))
            {
                labelIndex = labelTable.Count;
                labelIds.Add(label, labelIndex);
                labelTable.Add(label);
            }
            labels[current].Add(labelIndex);
            w.Write7BitEncodedInt(labelIndex);
            w.Write7BitEncodedInt(characters);
            w.Write(source);
            w.Write7BitEncodedInt(tokens.Length);
            foreach (var token in tokens)
            {
                if (!tokenIds.TryGetValue(token, out var id))
                {
                    id = tokenTable.Count;
                    tokenIds.Add(token, id);
                    tokenTable.Add(token);
                }
                w.Write7BitEncodedInt(id);
            }
        }

        public void Finish()
        {
            if (current < 2) BeginSplit(Split.Test);
            w.Flush();
            var indexOffset = hashing.Written;
            WriteStrings(w, classes);
            WriteStrings(w, tokenTable);
            WriteStrings(w, labelTable);
            for (var s = 0; s < 3; s++)
            {
                w.Write7BitEncodedInt(labels[s].Count);
                w.Write(starts[s]);
                foreach (var label in labels[s]) w.Write7BitEncodedInt(label);
            }
            w.Write(indexOffset);
            w.Flush();
            buffered.Flush();
            using var trailer = new BinaryWriter(target, Encoding.UTF8, leaveOpen: true);
            trailer.Write(hashing.Written);
            trailer.Write(hash.GetHashAndReset());
            trailer.Write(TrailerMagic);
        }
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> strings)
    {
        w.Write7BitEncodedInt(strings.Count);
        foreach (var s in strings) w.Write(s);
    }
}

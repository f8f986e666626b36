using System.Security.Cryptography;
using System.Text;

namespace Changwen.Data;

/// <summary>
/// A labelled corpus on disk in any of the supported layouts (<see cref="CorpusFormat"/>), read lazily and in a fixed
/// order. Documents stream file by file and line by line, so a corpus of gigabytes is never held in memory.
/// A corpus without splits of its own gets a stratified, seeded train/val/test split assigned by document source, so
/// it is the same whatever order the file system lists files in; <see cref="WriteSplits"/> records it.
/// </summary>
public sealed class Corpus
{
    private readonly IReadOnlyList<CorpusPart> _parts;
    private readonly CorpusFiles _files;
    private readonly CorpusReader _reader;
    private readonly SplitRecord? _recorded;
    private readonly string? _recordedSplitsPath;
    /// <summary>The split made here: by file for folders (<see cref="AssignFolderSplits"/>), by line for line files.</summary>
    private Dictionary<string, Split>? _folderAssignment;
    private LineSplits? _lineAssignment;
    private IReadOnlyList<string>? _classes;

    private Corpus(string path, string root, CorpusFormat format, CorpusOptions options, IReadOnlyList<CorpusPart> parts,
        CorpusReadStatistics statistics, CorpusFiles files, CorpusReader reader, SplitRecord? recorded, string? recordedSplitsPath)
    {
        Path = path;
        Root = root;
        Format = format;
        Options = options;
        _parts = parts;
        Statistics = statistics;
        _files = files;
        _reader = reader;
        _recorded = recorded;
        _recordedSplitsPath = recordedSplitsPath;
    }

    /// <summary>The corpus folder or file, as a full path.</summary>
    public string Path { get; }

    /// <summary>The folder that <see cref="Document.Source"/> paths are relative to (the corpus folder, or a file's folder).</summary>
    public string Root { get; }

    public CorpusFormat Format { get; }
    public CorpusOptions Options { get; }

    /// <summary>True when the layout itself holds train/val/test parts (files or folders named so).</summary>
    public bool HasOwnSplits => _parts.Any(p => p.Split is not null);

    /// <summary>True when the split comes from a file written by <see cref="WriteSplits"/>.</summary>
    public bool UsesRecordedSplits => _recorded is not null;

    /// <summary>What the reader noticed while reading: skipped empty documents, encodings, trimmed padding.</summary>
    public CorpusReadStatistics Statistics { get; }

    /// <summary>
    /// The class names: class.txt order for <see cref="CorpusFormat.IndexedTsv"/>, otherwise ordinal-sorted names
    /// (the folder names, or the labels of the training part). Line corpora are read once to find them.
    /// </summary>
    public IReadOnlyList<string> Classes => _classes ??= FindClasses();

    private IReadOnlyList<string> _trainOnly = [];

    /// <summary>
    /// Classes with a single document, which the split made here puts in train only (nothing of them to validate or
    /// test on). Empty for a corpus with its own or a recorded split. A line corpus is read once to know.
    /// </summary>
    public IReadOnlyList<string> TrainOnlyClasses
    {
        get
        {
            if (HasOwnSplits || _recorded is not null) return [];
            if (Format == CorpusFormat.Folders) _folderAssignment ??= AssignFolderSplits();
            else _lineAssignment ??= AssignLineSplits();
            return _trainOnly;
        }
    }

    /// <summary>
    /// Opens a corpus: <paramref name="path"/> is a corpus folder or a single data file. The layout is detected
    /// unless <see cref="CorpusOptions.Format"/> names it. With <paramref name="recordedSplitsPath"/> the split is the one
    /// recorded there by <see cref="WriteSplits"/>, so a later command sees exactly the same test documents.
    /// </summary>
    public static Corpus Open(string path, CorpusOptions options, string? recordedSplitsPath = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var full = System.IO.Path.GetFullPath(path);
        if (options.ValFraction < 0 || options.TestFraction < 0 || options.ValFraction + options.TestFraction >= 1)
            throw new UserInputException($"val and test fractions ({options.ValFraction}, {options.TestFraction}) must be at least 0 and leave some documents for training.");
        _ = TextDecoding.Forced(options.Encoding); // reject an unknown --encoding before reading anything

        var (root, format, parts) = CorpusLayout.Detect(full, options.Format);
        var statistics = new CorpusReadStatistics();
        var files = new CorpusFiles(root, options.Encoding, statistics);
        var reader = CorpusReader.For(format, files, options); // indexed TSV reads class.txt here, failing early

        SplitRecord? recorded = null;
        string? recordedFull = null;
        if (recordedSplitsPath is not null)
        {
            recordedFull = System.IO.Path.GetFullPath(recordedSplitsPath);
            recorded = SplitRecord.Read(recordedFull);
        }

        var corpus = new Corpus(full, root, format, options, parts, statistics, files, reader, recorded, recordedFull);
        if (format == CorpusFormat.Folders && !corpus.HasOwnSplits && recorded is null)
            corpus._folderAssignment = corpus.AssignFolderSplits(); // cheap: from the file listing alone, and fails early
        return corpus;
    }

    /// <summary>
    /// The documents of one split, read lazily in a fixed order: part by part; for folders, class folder by class
    /// folder and file by file in ordinal order (so the training part of THUCNews comes out sorted by label, as its
    /// users get it); for line files, in line order. Empty documents are skipped and counted in <see cref="Statistics"/>.
    /// </summary>
    public IEnumerable<Document> Read(Split split)
    {
        if (_recorded is not null) return ReadFiltered(split, src => LookUpRecorded(src), checkLabels: true);
        if (HasOwnSplits) return ReadOwnSplit(split);
        if (_folderAssignment is { } byFile) return ReadFiltered(split, src => byFile.TryGetValue(src, out var s) ? s : null, checkLabels: false);
        var byLine = _lineAssignment ??= AssignLineSplits();
        return ReadFiltered(split, byLine.Of, checkLabels: false);
    }

    private IEnumerable<Document> ReadOwnSplit(Split split)
    {
        var counters = new ReadCounters();
        var known = split == Split.Train || Format == CorpusFormat.IndexedTsv ? null : new HashSet<string>(Classes, StringComparer.Ordinal);
        // A full read of the training part finds the classes too, sparing line corpora a separate pass.
        var trainLabels = split == Split.Train && _classes is null ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var part in _parts.Where(p => p.Split == split))
            foreach (var doc in ReadPart(part, null, counters))
            {
                if (known is not null && !known.Contains(doc.Label))
                    throw UnknownLabel(doc, "training part");
                trainLabels?.Add(doc.Label);
                yield return doc;
            }
        if (trainLabels is { Count: > 0 } && Format is not (CorpusFormat.Folders or CorpusFormat.IndexedTsv))
            _classes ??= trainLabels.Order(StringComparer.Ordinal).ToList();
        Statistics.Commit(split, counters);
    }

    private IEnumerable<Document> ReadFiltered(Split split, Func<string, Split?> splitOf, bool checkLabels)
    {
        var counters = new ReadCounters();
        var known = checkLabels && split != Split.Train && Format != CorpusFormat.IndexedTsv
            ? new HashSet<string>(Classes, StringComparer.Ordinal) : null;
        foreach (var part in _parts)
            foreach (var doc in ReadPart(part, src => splitOf(src) == split, counters, countEmptyLines: split == Split.Train))
            {
                if (known is not null && !known.Contains(doc.Label))
                    throw UnknownLabel(doc, "training split");
                yield return doc;
            }
        Statistics.Commit(split, counters);
    }

    private UserInputException UnknownLabel(Document doc, string trainingName) =>
        UserInputException.At(_files.Full(DocumentSource.FileOf(doc.Source)), DocumentSource.LineOf(doc.Source),
            $"label '{doc.Label}' does not occur in the {trainingName}, so no model can learn it. Fix the label or add training documents for it");

    /// <summary>
    /// The documents of one part that <paramref name="wanted"/> selects (all when null), with trimmed text; empty ones
    /// are skipped and counted. Folder documents are selected before their file is read, so an empty one belongs to
    /// the split and is counted. Line documents are parsed first: an empty one has no split (the split is made of
    /// non-empty documents), so it is counted only when <paramref name="countEmptyLines"/> is set.
    /// </summary>
    private IEnumerable<Document> ReadPart(CorpusPart part, Func<string, bool>? wanted, ReadCounters counters, bool countEmptyLines = true)
    {
        var selectedBeforeReading = part.Folders is not null;
        foreach (var doc in _reader.Read(part, wanted))
        {
            // A label is a line of labels.json, a column of splits.tsv and of predict's plain output: a tab, a line break
            // or another control character in it would break them.
            if (doc.Label.Any(char.IsControl))
                throw UserInputException.At(_files.Full(DocumentSource.FileOf(doc.Source)), DocumentSource.LineOf(doc.Source),
                    $"label '{doc.Label.ReplaceLineEndings(" ").Replace('\t', ' ')}' holds a tab, line break or other control character. Remove it from the label");
            var text = doc.Text.Trim();
            if (text.Length == 0)
            {
                if (countEmptyLines || selectedBeforeReading) counters.NoteEmpty(doc.Source);
                continue;
            }
            if (!selectedBeforeReading && wanted is not null && !wanted(doc.Source)) continue;
            yield return doc with { Text = text };
        }
    }

    /// <summary>Split of a source in the recorded split file; a source missing from it means the corpus changed.</summary>
    private Split? LookUpRecorded(string source) =>
        _recorded!.Find(source)
        ?? throw UserInputException.At(_files.Full(DocumentSource.FileOf(source)), DocumentSource.LineOf(source),
            $"document {source} is not in the recorded split file {_recordedSplitsPath}; the corpus changed since the split was recorded. Restore the corpus or split it again");

    // ---------------------------------------------------------------- classes and splits

    private IReadOnlyList<string> FindClasses()
    {
        if (_reader.DeclaredClasses is { } declared) return declared;
        if (Format == CorpusFormat.Folders)
        {
            var parts = HasOwnSplits ? _parts.Where(p => p.Split == Split.Train) : _parts;
            return parts.SelectMany(p => p.Folders!).Select(f => f.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        }
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in _parts.Where(p => !HasOwnSplits || p.Split == Split.Train))
            foreach (var doc in ReadPart(part, null, new ReadCounters()))
                labels.Add(doc.Label);
        if (labels.Count == 0)
            throw UserInputException.At(Path, null, HasOwnSplits ? "has no documents in its training part. Add documents" : "has no documents. Add documents");
        return labels.Order(StringComparer.Ordinal).ToList();
    }

    private Dictionary<string, Split> AssignFolderSplits()
    {
        var items = _parts.SelectMany(p => p.Folders!).SelectMany(f => f.Files.Select(file => (Source: file, f.Label)));
        var split = CorpusSplitter.StratifiedSplit(items, Path, Options, out var single);
        _trainOnly = single;
        return split;
    }

    /// <summary>
    /// One pass over a line corpus collecting each document's line under its label (8 bytes a document, never the
    /// texts nor the sources' strings) to split it by line.
    /// </summary>
    private LineSplits AssignLineSplits()
    {
        var files = _parts.Select(p => p.Relative).ToList();
        var linesByLabel = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        for (var f = 0; f < _parts.Count; f++)
            foreach (var doc in ReadPart(_parts[f], null, new ReadCounters()))
            {
                if (!linesByLabel.TryGetValue(doc.Label, out var lines)) linesByLabel[doc.Label] = lines = [];
                lines.Add(LineSourceOrder.Pack(f, DocumentSource.LineOf(doc.Source)
                    ?? throw new InvalidOperationException($"a line document without a line: {doc.Source}")));
            }
        if (linesByLabel.Count == 0) throw UserInputException.At(Path, null, "has no documents. Add documents");
        _classes ??= linesByLabel.Keys.Order(StringComparer.Ordinal).ToList();
        var split = CorpusSplitter.StratifiedLineSplit(files, linesByLabel, Options, out var single);
        _trainOnly = single;
        return split;
    }

    /// <summary>
    /// Records which split every source belongs to, as a TSV <c>source&lt;TAB&gt;split</c> with sources relative to
    /// <see cref="Root"/> (so the record survives moving the corpus). Written atomically. A corpus with its own
    /// split files is recorded file by file.
    /// </summary>
    public void WriteSplits(string path)
    {
        IEnumerable<(string, Split)> entries;
        if (_recorded is not null)
            entries = _recorded.Entries();
        else if (HasOwnSplits)
            entries = _parts.Select(p => (p.Relative, p.Split!.Value));
        else if (_folderAssignment is { } byFile)
            entries = byFile.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => (a.Key, a.Value));
        else
            entries = (_lineAssignment ??= AssignLineSplits()).InSourceOrder();
        CorpusSplitter.WriteRecord(path, entries);
    }

    /// <summary>
    /// A SHA-256 over every file that is read (its path relative to <see cref="Root"/>, its length and its raw bytes,
    /// compressed bytes for .gz) and over the options that change what is read, as lowercase hex. Equal content and
    /// options give an equal fingerprint; any changed byte gives another. Later stages use it as a cache key.
    /// </summary>
    public string Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        Text("changwen-corpus-v1");
        Text(Format.ToString());
        Text(Options.Encoding?.Trim().ToLowerInvariant() ?? "");
        Text(Options.TextColumn ?? "");
        Text(Options.LabelColumn ?? "");
        if (_recorded is not null) RecordedText(hash, _recorded);
        else if (!HasOwnSplits)
            Text(FormattableString.Invariant($"split:{Options.ValFraction:R}:{Options.TestFraction:R}:{Options.SplitSeed}"));

        var files = new List<string>();
        if (Format == CorpusFormat.IndexedTsv) files.Add(CorpusLayout.ClassFile);
        foreach (var part in _parts)
            if (part.Folders is null) files.Add(part.Relative);
            else files.AddRange(part.Folders.SelectMany(f => f.Files));
        var buffer = new byte[1 << 16];
        foreach (var file in files)
        {
            Text(file);
            using var stream = CorpusFiles.OpenFile(_files.Full(file));
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int n;
            while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Hashes "recorded:" and the record's "source&lt;TAB&gt;Split" lines joined by line breaks, in source order, as
    /// Fingerprint's Text does (the byte length, then the bytes), without building the string: a million-line record
    /// made a string of some 60 MB.
    /// </summary>
    internal static void RecordedText(IncrementalHash hash, SplitRecord record)
    {
        const string head = "recorded:";
        IEnumerable<string> Pieces()
        {
            yield return head;
            var first = true;
            foreach (var (source, split) in record.InSourceOrder())
            {
                yield return first ? $"{source}\t{split}" : $"\n{source}\t{split}";
                first = false;
            }
        }
        long length = 0;
        foreach (var piece in Pieces()) length += Encoding.UTF8.GetByteCount(piece);
        hash.AppendData(BitConverter.GetBytes(checked((int)length)));
        var buffer = new byte[1024];
        foreach (var piece in Pieces())
        {
            var n = Encoding.UTF8.GetMaxByteCount(piece.Length);
            if (n > buffer.Length) buffer = new byte[n];
            hash.AppendData(buffer, 0, Encoding.UTF8.GetBytes(piece, buffer));
        }
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace Changwen.Data;

/// <summary>
/// A labelled corpus on disk in any of the supported layouts (<see cref="CorpusFormat"/>), read lazily and in a fixed
/// order. Documents stream file by file and line by line, so a corpus of gigabytes is never held in memory.
/// A corpus without splits of its own gets a stratified, seeded train/val/test split assigned by document source, so
/// it is the same whatever order the file system lists files in; <see cref="WriteSplits"/> records it.
/// </summary>
public sealed class Corpus
{
    private static readonly string[] TrainNames = ["train"];
    private static readonly string[] ValNames = ["val", "dev", "valid", "validation"];
    private static readonly string[] TestNames = ["test"];
    private static readonly string[] DataExtensions = [".tsv", ".txt", ".csv", ".jsonl", ".ndjson", ".json"];
    private const string ClassFile = "class.txt";

    /// <summary>One data file, or (folder layout) one folder of class folders, and the split it holds (null: not split).</summary>
    private sealed record Part(Split? Split, string Relative, IReadOnlyList<ClassFolder>? Folders);

    /// <summary>A class folder: its label and its document files (relative to the corpus root, ordinal order).</summary>
    private sealed record ClassFolder(string Label, string Relative, IReadOnlyList<string> Files);

    private readonly IReadOnlyList<Part> _parts;
    private readonly IReadOnlyList<string>? _indexedClassNames;
    private readonly Dictionary<string, Split>? _recorded;
    private readonly string? _recordedSplitsPath;
    private Dictionary<string, Split>? _assignment;
    private IReadOnlyList<string>? _classes;

    private Corpus(string path, string root, CorpusFormat format, CorpusOptions options, IReadOnlyList<Part> parts,
        IReadOnlyList<string>? indexedClassNames, Dictionary<string, Split>? recorded, string? recordedSplitsPath)
    {
        Path = path;
        Root = root;
        Format = format;
        Options = options;
        _parts = parts;
        _indexedClassNames = indexedClassNames;
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
    public CorpusReadStatistics Statistics { get; } = new();

    /// <summary>
    /// The class names: class.txt order for <see cref="CorpusFormat.IndexedTsv"/>, otherwise ordinal-sorted names
    /// (the folder names, or the labels of the training part). Line corpora are read once to find them.
    /// </summary>
    public IReadOnlyList<string> Classes => _classes ??= FindClasses();

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

        string root;
        CorpusFormat format;
        List<Part> parts;
        if (File.Exists(full))
        {
            root = System.IO.Path.GetDirectoryName(full)!;
            format = options.Format ?? DetectFileFormat(full);
            if (format == CorpusFormat.Folders)
                throw UserInputException.At(full, null, "is a file, but --format folders needs a folder of class folders. Give the folder, or the file's real format");
            parts = [new Part(null, System.IO.Path.GetFileName(full), null)];
        }
        else if (Directory.Exists(full))
        {
            root = full;
            (format, parts) = DetectFolderLayout(full, options.Format);
        }
        else
        {
            throw UserInputException.At(full, null, "does not exist. Give a corpus folder or a data file");
        }

        IReadOnlyList<string>? indexedClassNames = null;
        if (format == CorpusFormat.IndexedTsv) indexedClassNames = ReadClassFile(root);

        Dictionary<string, Split>? recorded = null;
        string? recordedFull = null;
        if (recordedSplitsPath is not null)
        {
            recordedFull = System.IO.Path.GetFullPath(recordedSplitsPath);
            recorded = ReadSplitRecord(recordedFull);
        }

        var corpus = new Corpus(full, root, format, options, parts, indexedClassNames, recorded, recordedFull);
        if (format == CorpusFormat.Folders && !corpus.HasOwnSplits && recorded is null)
            corpus._assignment = corpus.AssignFolderSplits(); // cheap: from the file listing alone, and fails early
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
        var assignment = _assignment ??= AssignLineSplits();
        return ReadFiltered(split, src => assignment.TryGetValue(src, out var s) ? s : null, checkLabels: false);
    }

    private IEnumerable<Document> ReadOwnSplit(Split split)
    {
        var counters = new Counters();
        var known = split == Split.Train || Format == CorpusFormat.IndexedTsv ? null : new HashSet<string>(Classes, StringComparer.Ordinal);
        // A full read of the training part finds the classes too, sparing line corpora a separate pass.
        var trainLabels = split == Split.Train && _classes is null ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var part in _parts.Where(p => p.Split == split))
            foreach (var doc in ReadPart(part, null, counters))
            {
                if (known is not null && !known.Contains(doc.Label))
                    throw UserInputException.At(Full(FileOf(doc.Source)), LineOf(doc.Source),
                        $"label '{doc.Label}' does not occur in the training part, so no model can learn it. Fix the label or add training documents for it");
                trainLabels?.Add(doc.Label);
                yield return doc;
            }
        if (trainLabels is { Count: > 0 } && Format is not (CorpusFormat.Folders or CorpusFormat.IndexedTsv))
            _classes ??= trainLabels.Order(StringComparer.Ordinal).ToList();
        Statistics.Commit(split, counters);
    }

    private IEnumerable<Document> ReadFiltered(Split split, Func<string, Split?> splitOf, bool checkLabels)
    {
        var counters = new Counters();
        var known = checkLabels && split != Split.Train && Format != CorpusFormat.IndexedTsv
            ? new HashSet<string>(Classes, StringComparer.Ordinal) : null;
        foreach (var part in _parts)
            foreach (var doc in ReadPart(part, src => splitOf(src) == split, counters, countEmptyLines: split == Split.Train))
            {
                if (known is not null && !known.Contains(doc.Label))
                    throw UserInputException.At(Full(FileOf(doc.Source)), LineOf(doc.Source),
                        $"label '{doc.Label}' does not occur in the training split, so no model can learn it. Fix the label or add training documents for it");
                yield return doc;
            }
        Statistics.Commit(split, counters);
    }

    /// <summary>Split of a source in the recorded split file; a source missing from it means the corpus changed.</summary>
    private Split? LookUpRecorded(string source)
    {
        for (var key = source; key.Length > 0; key = ParentKey(key))
            if (_recorded!.TryGetValue(key, out var s)) return s;
        throw UserInputException.At(Full(FileOf(source)), LineOf(source),
            $"document {source} is not in the recorded split file {_recordedSplitsPath}; the corpus changed since the split was recorded. Restore the corpus or split it again");
    }

    /// <summary>"a/b.txt:12" → "a/b.txt" → "a" → "".</summary>
    private static string ParentKey(string key)
    {
        var colon = key.LastIndexOf(':');
        if (colon > 0 && key[(colon + 1)..].All(char.IsAsciiDigit)) return key[..colon];
        var slash = key.LastIndexOf('/');
        return slash > 0 ? key[..slash] : "";
    }

    // ---------------------------------------------------------------- layout detection

    private static (CorpusFormat, List<Part>) DetectFolderLayout(string dir, CorpusFormat? forced)
    {
        var files = Directory.EnumerateFiles(dir).Select(System.IO.Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        var subdirs = Directory.EnumerateDirectories(dir).Select(System.IO.Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();

        // train/val/test files (cnews, THUCNews titles)
        var splitFiles = new List<Part>();
        foreach (var name in files)
            if (SplitOfName(StripDataExtension(name)) is { } s && StripDataExtension(name) != name)
                splitFiles.Add(new Part(s, name, null));
        if (forced != CorpusFormat.Folders && splitFiles.Any(p => p.Split == Split.Train))
        {
            foreach (var g in splitFiles.GroupBy(p => p.Split).Where(g => g.Count() > 1))
                throw UserInputException.At(dir, null, $"has several {Kebab(g.Key!.Value)} files ({string.Join(", ", g.Select(p => p.Relative))}). Keep one per split");
            var format = forced ?? (File.Exists(System.IO.Path.Combine(dir, ClassFile))
                ? CorpusFormat.IndexedTsv
                : DetectFileFormat(System.IO.Path.Combine(dir, splitFiles.First(p => p.Split == Split.Train).Relative)));
            return (format, splitFiles.OrderBy(p => p.Split).ToList());
        }

        // train/val/test folders, each a folder of class folders
        var splitDirs = subdirs.Where(d => SplitOfName(d) is not null).ToList();
        if ((forced is null or CorpusFormat.Folders) && splitDirs.Any(d => SplitOfName(d) == Split.Train) && splitDirs.Count == subdirs.Count)
        {
            var parts = splitDirs.Select(d => new Part(SplitOfName(d), d, ListClassFolders(dir, d))).OrderBy(p => p.Split).ToList();
            return (CorpusFormat.Folders, parts);
        }

        if (forced == CorpusFormat.Folders || (forced is null && subdirs.Count > 0))
            return (CorpusFormat.Folders, [new Part(null, "", ListClassFolders(dir, ""))]);

        var dataFiles = files.Where(n => !n.Equals(ClassFile, StringComparison.OrdinalIgnoreCase) && StripDataExtension(n) != n).ToList();
        if (dataFiles.Count == 1)
        {
            var file = System.IO.Path.Combine(dir, dataFiles[0]);
            return (forced ?? DetectFileFormat(file), [new Part(null, dataFiles[0], null)]);
        }
        if (dataFiles.Count == 0)
            throw UserInputException.At(dir, null, "holds no class folders and no data files (.tsv, .txt, .csv, .jsonl, optionally .gz), so the corpus is empty. Point to the folder that holds the data");
        throw UserInputException.At(dir, null, $"holds several data files ({string.Join(", ", dataFiles)}) and none is named train. Name them train/val/test, or give one file");
    }

    private static List<ClassFolder> ListClassFolders(string root, string relative)
    {
        var dir = System.IO.Path.Combine(root, relative);
        var folders = new List<ClassFolder>();
        foreach (var name in Directory.EnumerateDirectories(dir).Select(System.IO.Path.GetFileName).OfType<string>()
                     .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal))
        {
            var classRel = Join(relative, name);
            var files = Directory.EnumerateFiles(System.IO.Path.Combine(root, classRel)).Select(System.IO.Path.GetFileName).OfType<string>()
                .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).Select(n => Join(classRel, n)).ToList();
            if (files.Count == 0)
                throw UserInputException.At(System.IO.Path.Combine(root, classRel), null, "is an empty class folder. Add documents to it or remove it");
            folders.Add(new ClassFolder(name.Normalize(NormalizationForm.FormC), classRel, files));
        }
        if (folders.Count == 0)
            throw UserInputException.At(dir, null, "holds no class folders, so the corpus is empty. Put one folder per class with one document per file in it");
        return folders;
    }

    private static CorpusFormat DetectFileFormat(string file)
    {
        var ext = System.IO.Path.GetExtension(StripGz(System.IO.Path.GetFileName(file))).ToLowerInvariant();
        if (ext == ".csv") return CorpusFormat.Csv;
        if (ext is ".jsonl" or ".ndjson" or ".json") return CorpusFormat.Jsonl;
        var first = FirstNonBlankLine(file);
        if (first.TrimStart().StartsWith('{')) return CorpusFormat.Jsonl;
        var dir = System.IO.Path.GetDirectoryName(file)!;
        var lastTab = first.LastIndexOf('\t');
        if (File.Exists(System.IO.Path.Combine(dir, ClassFile)) && lastTab >= 0 && int.TryParse(first[(lastTab + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return CorpusFormat.IndexedTsv;
        return CorpusFormat.Tsv;
    }

    private static string FirstNonBlankLine(string file)
    {
        using var stream = OpenRaw(file);
        var sample = new byte[64 * 1024];
        var n = stream.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
        // Latin-1 keeps every byte, which is all that is needed to see '{', tabs and digits.
        var text = Encoding.Latin1.GetString(sample, 0, n);
        return text.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.Trim().Length > 0) ?? "";
    }

    private static Split? SplitOfName(string stem)
    {
        var s = stem.ToLowerInvariant();
        if (TrainNames.Contains(s)) return Split.Train;
        if (ValNames.Contains(s)) return Split.Val;
        if (TestNames.Contains(s)) return Split.Test;
        return null;
    }

    private static string StripGz(string name) => name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;

    /// <summary>"train.tsv.gz" → "train"; a name without a data extension comes back unchanged.</summary>
    private static string StripDataExtension(string name)
    {
        var plain = StripGz(name);
        var ext = System.IO.Path.GetExtension(plain).ToLowerInvariant();
        return DataExtensions.Contains(ext) ? plain[..^ext.Length] : name;
    }

    private static IReadOnlyList<string> ReadClassFile(string root)
    {
        var path = System.IO.Path.Combine(root, ClassFile);
        if (!File.Exists(path))
            throw UserInputException.At(path, null, "is missing; text<TAB>index files need it (line n names class n). Add it, or pass --format tsv for label<TAB>text files");
        var bytes = File.ReadAllBytes(path);
        var (text, _, _) = TextDecoding.DecodeDocument(bytes, path, null);
        var names = text.Split('\n').Select(l => l.Trim().TrimStart('\uFEFF')).ToList();
        while (names.Count > 0 && names[^1].Length == 0) names.RemoveAt(names.Count - 1);
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Length == 0) throw UserInputException.At(path, i + 1, "is an empty class name. Give every class index a name");
            var earlier = names.IndexOf(names[i]);
            if (earlier < i) throw UserInputException.At(path, i + 1, $"repeats class '{names[i]}' from line {earlier + 1}. Give each class one line");
        }
        if (names.Count == 0) throw UserInputException.At(path, null, "names no classes. Put one class name per line");
        return names;
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Counts gathered by one pass over one split.</summary>
    internal sealed class Counters
    {
        public int SkippedEmpty;
        public readonly List<string> EmptySources = [];
    }

    /// <summary>
    /// The documents of one part that <paramref name="wanted"/> selects (all when null). Folder documents are
    /// selected before their file is read. Line documents are parsed first: an empty one has no split (the split is
    /// made of non-empty documents), so it is counted only when <paramref name="countEmptyLines"/> is set.
    /// </summary>
    private IEnumerable<Document> ReadPart(Part part, Func<string, bool>? wanted, Counters counters, bool countEmptyLines = true) => Format switch
    {
        CorpusFormat.Folders => ReadFolders(part, wanted, counters),
        CorpusFormat.Csv => ReadCsv(part.Relative, wanted, counters, countEmptyLines),
        _ => ReadLineFile(part.Relative, wanted, counters, countEmptyLines),
    };

    private IEnumerable<Document> ReadFolders(Part part, Func<string, bool>? wanted, Counters counters)
    {
        foreach (var folder in part.Folders!)
            foreach (var file in folder.Files)
            {
                if (wanted is not null && !wanted(file)) continue;
                var full = Full(file);
                var (text, encoding, padded) = TextDecoding.DecodeDocument(File.ReadAllBytes(full), full, Options.Encoding);
                Statistics.NoteFile(file, encoding, padded ? file : null);
                if (Make(folder.Label, text, file, counters) is { } doc) yield return doc;
            }
    }

    private IEnumerable<Document> ReadLineFile(string file, Func<string, bool>? wanted, Counters counters, bool countEmptyLines)
    {
        var full = Full(file);
        foreach (var (lineNo, line) in ReadLines(file))
        {
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line)) continue; // blank lines are not documents
            var source = $"{file}:{lineNo}";
            var (label, text) = Format switch
            {
                CorpusFormat.Tsv => ParseTsv(line, full, lineNo),
                CorpusFormat.IndexedTsv => ParseIndexedTsv(line, full, lineNo),
                CorpusFormat.Jsonl => ParseJson(line, full, lineNo),
                _ => throw new InvalidOperationException($"{Format} is not a line format"),
            };
            if (string.IsNullOrWhiteSpace(text) && !countEmptyLines) continue;
            if (!string.IsNullOrWhiteSpace(text) && wanted is not null && !wanted(source)) continue;
            if (Make(label, text, source, counters) is { } doc) yield return doc;
        }
    }

    private IEnumerable<(long Line, string Text)> ReadLines(string file)
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
                throw UndecodableLine(full, lineNo + 1);
            }
            catch (InvalidDataException e)
            {
                throw UserInputException.At(full, lineNo + 1, $"is not a valid gzip file ({e.Message}). Re-compress or decompress it");
            }
            if (line is null) yield break;
            lineNo++;
            if (line.Contains('\0'))
                throw UserInputException.At(full, lineNo, "contains NUL bytes, so it is a binary or UTF-16 file, not text. Remove it from the corpus or convert it to UTF-8");
            yield return (lineNo, line);
        }
    }

    /// <summary>
    /// The decoder fails a whole buffer ahead of the line being read, so the failing line is found by a second,
    /// line-by-line pass (only on this error path).
    /// </summary>
    private UserInputException UndecodableLine(string full, long nearLine)
    {
        var name = Statistics.EncodingOf(RelativeOf(full)) ?? TextDecoding.Utf8Name;
        var line = FirstUndecodableLine(full, TextDecoding.ByName(name)) ?? nearLine;
        return UserInputException.At(full, line, $"holds bytes that are not valid {name}. Convert the file to UTF-8 or pass --encoding with its real encoding");
    }

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

    /// <summary>A reader over a (possibly gzip-compressed) text file, in the encoding detected from its first bytes.</summary>
    private StreamReader OpenText(string file)
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
            throw UserInputException.At(full, null, $"is not a valid gzip file ({e.Message}). Re-compress or decompress it");
        }
        var (encoding, name) = TextDecoding.DetectForLines(sample.AsSpan(0, n), whole, full, Options.Encoding);
        Statistics.NoteFile(file, name, null);
        return new StreamReader(OpenRaw(full), encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
    }

    private static Stream OpenRaw(string full)
    {
        Stream stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    private static (string, string) ParseTsv(string line, string full, long lineNo)
    {
        var tab = line.IndexOf('\t');
        if (tab < 0)
            throw UserInputException.At(full, lineNo, "has no tab; lines must be label<TAB>text. Fix the line, or pass --format if the file has another layout");
        return (Label(line[..tab], full, lineNo), line[(tab + 1)..]);
    }

    private (string, string) ParseIndexedTsv(string line, string full, long lineNo)
    {
        var tab = line.LastIndexOf('\t');
        if (tab < 0)
            throw UserInputException.At(full, lineNo, "has no tab; lines must be text<TAB>class-index. Fix the line");
        var names = _indexedClassNames!;
        if (!int.TryParse(line[(tab + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= names.Count)
            throw UserInputException.At(full, lineNo, $"class index '{line[(tab + 1)..].Trim()}' is not a line of {ClassFile} (0 to {names.Count - 1}). Fix the index or add the class to {ClassFile}");
        return (names[index], line[..tab]);
    }

    private (string, string) ParseJson(string line, string full, long lineNo)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                throw UserInputException.At(full, lineNo, "is not a JSON object. Write one {\"label\": ..., \"text\": ...} object per line");
            var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            var textName = PickColumn(names, Options.TextColumn, ["content", "text"], "text", full, lineNo);
            var labelName = PickColumn(names, Options.LabelColumn, ["category", "label"], "label", full, lineNo);
            var label = json.RootElement.GetProperty(labelName);
            var text = json.RootElement.GetProperty(textName);
            if (text.ValueKind != JsonValueKind.String)
                throw UserInputException.At(full, lineNo, $"field '{textName}' is not a string. Store the text as a JSON string");
            var labelText = label.ValueKind switch
            {
                JsonValueKind.String => label.GetString()!,
                JsonValueKind.Number => label.GetRawText(),
                _ => throw UserInputException.At(full, lineNo, $"field '{labelName}' is not a string or number. Store the label as a string"),
            };
            return (Label(labelText, full, lineNo), text.GetString()!);
        }
        catch (JsonException e)
        {
            throw UserInputException.At(full, lineNo, $"is not valid JSON ({e.Message.Split('\n')[0]}). Write one JSON object per line");
        }
    }

    private IEnumerable<Document> ReadCsv(string file, Func<string, bool>? wanted, Counters counters, bool countEmptyLines)
    {
        var full = Full(file);
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            Mode = CsvMode.Rfc4180,
            MalformedData = CsvMalformedDataHandling.Throw, // a stray quote would silently merge documents
            TrackLineNumbers = true,
        };
        using var csv = CsvReader.Create(OpenText(file), options, leaveOpen: false);
        int textIndex, labelIndex;
        try
        {
            var header = csv.Headers.Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
            if (header.Count == 0 || header.All(h => h.Length == 0))
                throw UserInputException.At(full, null, "is empty, so the corpus has no documents. Give a CSV file with a header row and one document per row");
            textIndex = header.IndexOf(PickColumn(header, Options.TextColumn, ["content", "text"], "text", full, 1));
            labelIndex = header.IndexOf(PickColumn(header, Options.LabelColumn, ["category", "label"], "label", full, 1));
        }
        catch (DecoderFallbackException)
        {
            throw UndecodableLine(full, 1);
        }
        catch (CsvFormatException e)
        {
            throw UserInputException.At(full, e.LineNumber > 0 ? e.LineNumber : 1, $"is not valid CSV ({e.Message.Split('\n')[0]}). Fix the header row");
        }
        while (true)
        {
            long line;
            string label, text;
            try
            {
                if (!csv.Read()) yield break;
                line = csv.LineNumber;
                if (csv.FieldCount <= Math.Max(textIndex, labelIndex))
                    throw UserInputException.At(full, line, $"has {csv.FieldCount} fields, fewer than the header. Quote fields that hold commas or line breaks");
                label = csv.GetString(labelIndex) ?? "";
                text = csv.GetString(textIndex) ?? "";
            }
            catch (DecoderFallbackException)
            {
                throw UndecodableLine(full, csv.LineNumber + 1);
            }
            catch (CsvFormatException e)
            {
                throw UserInputException.At(full, e.LineNumber > 0 ? e.LineNumber : null,
                    $"is not valid CSV ({e.Message.Split('\n')[0]}). Quote the whole field and double the quotes inside it (RFC 4180)");
            }
            var source = $"{file}:{line}";
            if (string.IsNullOrWhiteSpace(text) && !countEmptyLines) continue;
            if (!string.IsNullOrWhiteSpace(text) && wanted is not null && !wanted(source)) continue;
            if (text.Contains('\0') || label.Contains('\0'))
                throw UserInputException.At(full, line, "contains NUL bytes, so it is a binary or UTF-16 file, not text. Convert it to UTF-8");
            if (Make(Label(label, full, line), text, source, counters) is { } doc) yield return doc;
        }
    }

    private static string PickColumn(IReadOnlyList<string> names, string? asked, string[] defaults, string what, string full, long line)
    {
        if (asked is not null)
            return names.Contains(asked) ? asked
                : throw UserInputException.At(full, line, $"has no {what} column '{asked}' (it has: {string.Join(", ", names)}). Pass the right --{what}-column");
        return defaults.FirstOrDefault(names.Contains)
            ?? throw UserInputException.At(full, line, $"has no {what} column ({string.Join(" or ", defaults)}; it has: {string.Join(", ", names)}). Pass --{what}-column");
    }

    private static string Label(string raw, string full, long line)
    {
        var label = raw.Trim();
        if (label.Length == 0) throw UserInputException.At(full, line, "has an empty label. Give every document a label");
        return label;
    }

    private static Document? Make(string label, string text, string source, Counters counters)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            counters.SkippedEmpty++;
            if (counters.EmptySources.Count < 10) counters.EmptySources.Add(source);
            return null;
        }
        return new Document(label, trimmed, source);
    }

    // ---------------------------------------------------------------- classes and splits

    private IReadOnlyList<string> FindClasses()
    {
        if (_indexedClassNames is not null) return _indexedClassNames;
        if (Format == CorpusFormat.Folders)
        {
            var parts = HasOwnSplits ? _parts.Where(p => p.Split == Split.Train) : _parts;
            return parts.SelectMany(p => p.Folders!).Select(f => f.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        }
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in _parts.Where(p => !HasOwnSplits || p.Split == Split.Train))
            foreach (var doc in ReadPart(part, null, new Counters()))
                labels.Add(doc.Label);
        if (labels.Count == 0)
            throw UserInputException.At(Path, null, HasOwnSplits ? "has no documents in its training part. Add documents" : "has no documents. Add documents");
        return labels.Order(StringComparer.Ordinal).ToList();
    }

    private Dictionary<string, Split> AssignFolderSplits()
    {
        var items = _parts.SelectMany(p => p.Folders!).SelectMany(f => f.Files.Select(file => (Source: file, f.Label)));
        return StratifiedSplit(items, Path, Options);
    }

    /// <summary>One pass over a line corpus collecting (source, label) only — never the texts — to split it.</summary>
    private Dictionary<string, Split> AssignLineSplits()
    {
        var items = new List<(string, string)>();
        foreach (var part in _parts)
            foreach (var doc in ReadPart(part, null, new Counters()))
                items.Add((doc.Source, doc.Label));
        if (items.Count == 0) throw UserInputException.At(Path, null, "has no documents. Add documents");
        _classes ??= items.Select(i => i.Item2).Distinct().Order(StringComparer.Ordinal).ToList();
        return StratifiedSplit(items, Path, Options);
    }

    /// <summary>
    /// Stratified, seeded split by source: within each class the sources are sorted (so the file system's listing
    /// order does not matter), shuffled with a generator seeded by the split seed and the class name (so adding a
    /// class leaves the others' splits alone), and cut into test, val and train. Every class with at least two
    /// documents gets at least one test document, and with three or more at least one val document.
    /// </summary>
    internal static Dictionary<string, Split> StratifiedSplit(IEnumerable<(string Source, string Label)> items, string corpusPath, CorpusOptions options)
    {
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        foreach (var group in items.GroupBy(i => i.Label, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var sources = group.Select(i => i.Source).Order(StringComparer.Ordinal).ToArray();
            var n = sources.Length;
            if (n < 2 && (options.ValFraction > 0 || options.TestFraction > 0))
                throw UserInputException.At(corpusPath, null,
                    $"class '{group.Key}' has a single document ({sources[0]}), too few to put in train and test. Add documents to it or remove it");
            new Random(StableSeed(options.SplitSeed, group.Key)).Shuffle(sources);
            var test = options.TestFraction > 0 ? Math.Max(1, (int)Math.Round(n * options.TestFraction, MidpointRounding.AwayFromZero)) : 0;
            var val = options.ValFraction > 0 && n >= 3 ? Math.Max(1, (int)Math.Round(n * options.ValFraction, MidpointRounding.AwayFromZero)) : 0;
            while (test + val >= n) { if (val > 0 && val >= test) val--; else test--; }
            for (var i = 0; i < n; i++)
                result[sources[i]] = i < test ? Split.Test : i < test + val ? Split.Val : Split.Train;
        }
        return result;
    }

    /// <summary>FNV-1a over the class name, mixed with the seed: stable across runs and .NET versions (unlike string.GetHashCode).</summary>
    private static int StableSeed(int seed, string label)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in label) { hash ^= c; hash *= 16777619u; }
        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>
    /// Records which split every source belongs to, as a TSV <c>source&lt;TAB&gt;split</c> with sources relative to
    /// <see cref="Root"/> (so the record survives moving the corpus). Written atomically. A corpus with its own
    /// split files is recorded file by file.
    /// </summary>
    public void WriteSplits(string path)
    {
        var sb = new StringBuilder("source\tsplit\n");
        if (_recorded is not null)
            foreach (var (source, split) in _recorded) sb.Append(source).Append('\t').Append(Kebab(split)).Append('\n');
        else if (HasOwnSplits)
            foreach (var part in _parts) sb.Append(part.Relative).Append('\t').Append(Kebab(part.Split!.Value)).Append('\n');
        else
        {
            var assignment = _assignment ??= AssignLineSplits();
            foreach (var (source, split) in assignment.OrderBy(a => a.Key, StringComparer.Ordinal))
                sb.Append(source).Append('\t').Append(Kebab(split)).Append('\n');
        }
        IO.AtomicFile.WriteAllText(path, sb.ToString());
    }

    private static Dictionary<string, Split> ReadSplitRecord(string path)
    {
        if (!File.Exists(path)) throw UserInputException.At(path, null, "does not exist. Give the splits file written by an earlier run");
        var result = new Dictionary<string, Split>(StringComparer.Ordinal);
        long lineNo = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNo++;
            if (lineNo == 1 && line.StartsWith("source\t", StringComparison.Ordinal) || line.Length == 0) continue;
            var tab = line.LastIndexOf('\t');
            Split? split = tab < 0 ? null : line[(tab + 1)..].Trim().ToLowerInvariant() switch
            {
                "train" => Split.Train, "val" => Split.Val, "test" => Split.Test, _ => null,
            };
            if (split is null) throw UserInputException.At(path, lineNo, "is not source<TAB>train|val|test. Restore the file written by changwen");
            result[line[..tab]] = split.Value;
        }
        if (result.Count == 0) throw UserInputException.At(path, null, "records no split. Restore the file written by changwen");
        return result;
    }

    // ---------------------------------------------------------------- fingerprint

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
        if (_recorded is not null) Text("recorded:" + string.Join("\n", _recorded.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}\t{r.Value}")));
        else if (!HasOwnSplits)
            Text(FormattableString.Invariant($"split:{Options.ValFraction:R}:{Options.TestFraction:R}:{Options.SplitSeed}"));

        var files = new List<string>();
        if (Format == CorpusFormat.IndexedTsv) files.Add(ClassFile);
        foreach (var part in _parts)
            if (part.Folders is null) files.Add(part.Relative);
            else files.AddRange(part.Folders.SelectMany(f => f.Files));
        var buffer = new byte[1 << 16];
        foreach (var file in files)
        {
            Text(file);
            using var stream = new FileStream(Full(file), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int n;
            while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    // ---------------------------------------------------------------- paths

    private string Full(string relative) => System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    private string RelativeOf(string full) => System.IO.Path.GetRelativePath(Root, full).Replace(System.IO.Path.DirectorySeparatorChar, '/');

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "/" + b;

    /// <summary>"file:12" → "file"; a folder document's source is its file.</summary>
    private static string FileOf(string source)
    {
        var colon = source.LastIndexOf(':');
        return colon > 0 && source[(colon + 1)..].All(char.IsAsciiDigit) ? source[..colon] : source;
    }

    private static long? LineOf(string source)
    {
        var colon = source.LastIndexOf(':');
        return colon > 0 && long.TryParse(source[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line : null;
    }

    internal static string Kebab(Split split) => split.ToString().ToLowerInvariant();
}

/// <summary>What a <see cref="Corpus"/> noticed while reading. Counts per split come from its latest complete read.</summary>
public sealed class CorpusReadStatistics
{
    private readonly Dictionary<Split, int> _skippedEmpty = [];
    private readonly Dictionary<Split, IReadOnlyList<string>> _emptySources = [];
    private readonly Dictionary<string, string> _fileEncodings = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _nulPadded = new(StringComparer.Ordinal);

    /// <summary>Empty (or whitespace-only) documents skipped in the latest complete read of each split.</summary>
    public IReadOnlyDictionary<Split, int> SkippedEmpty => _skippedEmpty;

    /// <summary>Up to ten sources of skipped empty documents per split, to show the user.</summary>
    public IReadOnlyDictionary<Split, IReadOnlyList<string>> EmptySources => _emptySources;

    /// <summary>The encoding detected (or forced) for each file read so far, by relative path.</summary>
    public IReadOnlyDictionary<string, string> FileEncodings => _fileEncodings;

    /// <summary>Document files whose trailing NUL padding was dropped.</summary>
    public IReadOnlyCollection<string> NulPaddingTrimmed => _nulPadded;

    /// <summary>Files per encoding, e.g. {"gb18030": 2554}.</summary>
    public IReadOnlyDictionary<string, int> EncodingCounts =>
        _fileEncodings.GroupBy(kv => kv.Value).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    internal void Commit(Split split, Corpus.Counters counters)
    {
        _skippedEmpty[split] = counters.SkippedEmpty;
        _emptySources[split] = counters.EmptySources.ToList();
    }

    internal void NoteFile(string file, string encoding, string? nulPadded)
    {
        _fileEncodings[file] = encoding;
        if (nulPadded is not null) _nulPadded.Add(nulPadded);
    }

    internal string? EncodingOf(string file) => _fileEncodings.GetValueOrDefault(file);
}

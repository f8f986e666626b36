using System.Globalization;
using System.Text;

namespace Changwen.Data;

/// <summary>One data file, or (folder layout) one folder of class folders, and the split it holds (null: not split).</summary>
internal sealed record CorpusPart(Split? Split, string Relative, IReadOnlyList<ClassFolder>? Folders);

/// <summary>A class folder: its label and its document files (relative to the corpus root, ordinal order).</summary>
internal sealed record ClassFolder(string Label, string Relative, IReadOnlyList<string> Files);

/// <summary>
/// Finds out how a corpus lies on disk: which <see cref="CorpusFormat"/>, and which parts (files or folders) hold
/// which split. Looks only at names and the first bytes of one file, so it is cheap even for huge corpora.
/// </summary>
internal static class CorpusLayout
{
    public const string ClassFile = "class.txt";

    private static readonly string[] TrainNames = ["train"];
    private static readonly string[] ValNames = ["val", "dev", "valid", "validation"];
    private static readonly string[] TestNames = ["test"];
    private static readonly string[] DataExtensions = [".tsv", ".txt", ".csv", ".jsonl", ".ndjson", ".json"];

    /// <summary>
    /// The layout of <paramref name="full"/> (a corpus folder or a single data file); <paramref name="forced"/> names
    /// the format instead of detecting it. <c>Root</c> is the folder that sources are relative to.
    /// </summary>
    public static (string Root, CorpusFormat Format, IReadOnlyList<CorpusPart> Parts) Detect(string full, CorpusFormat? forced)
    {
        if (File.Exists(full))
        {
            var format = forced ?? DetectFileFormat(full);
            if (format == CorpusFormat.Folders)
                throw UserInputException.At(full, null, "is a file, but --format folders needs a folder of class folders. Give the folder, or the file's real format");
            return (Path.GetDirectoryName(full)!, format, [new CorpusPart(null, Path.GetFileName(full), null)]);
        }
        if (Directory.Exists(full))
        {
            var (format, parts) = DetectFolderLayout(full, forced);
            return (full, format, parts);
        }
        throw UserInputException.At(full, null, "does not exist. Give a corpus folder or a data file");
    }

    private static (CorpusFormat, List<CorpusPart>) DetectFolderLayout(string dir, CorpusFormat? forced)
    {
        var files = Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        var subdirs = Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();

        // train/val/test files (cnews, THUCNews titles)
        var splitFiles = new List<CorpusPart>();
        foreach (var name in files)
            if (SplitOfName(StripDataExtension(name)) is { } s && StripDataExtension(name) != name)
                splitFiles.Add(new CorpusPart(s, name, null));
        if (forced != CorpusFormat.Folders && splitFiles.Any(p => p.Split == Split.Train))
        {
            foreach (var g in splitFiles.GroupBy(p => p.Split).Where(g => g.Count() > 1))
                throw UserInputException.At(dir, null, $"has several {CorpusSplitter.Kebab(g.Key!.Value)} files ({string.Join(", ", g.Select(p => p.Relative))}). Keep one per split");
            var format = forced ?? (File.Exists(Path.Combine(dir, ClassFile))
                ? CorpusFormat.IndexedTsv
                : DetectFileFormat(Path.Combine(dir, splitFiles.First(p => p.Split == Split.Train).Relative)));
            return (format, splitFiles.OrderBy(p => p.Split).ToList());
        }

        // train/val/test folders, each a folder of class folders
        var splitDirs = subdirs.Where(d => SplitOfName(d) is not null).ToList();
        if ((forced is null or CorpusFormat.Folders) && splitDirs.Any(d => SplitOfName(d) == Split.Train) && splitDirs.Count == subdirs.Count)
        {
            var parts = splitDirs.Select(d => new CorpusPart(SplitOfName(d), d, ListClassFolders(dir, d))).OrderBy(p => p.Split).ToList();
            return (CorpusFormat.Folders, parts);
        }

        if (forced == CorpusFormat.Folders || (forced is null && subdirs.Count > 0))
            return (CorpusFormat.Folders, [new CorpusPart(null, "", ListClassFolders(dir, ""))]);

        var dataFiles = files.Where(n => !n.Equals(ClassFile, StringComparison.OrdinalIgnoreCase) && StripDataExtension(n) != n).ToList();
        if (dataFiles.Count == 1)
        {
            var file = Path.Combine(dir, dataFiles[0]);
            return (forced ?? DetectFileFormat(file), [new CorpusPart(null, dataFiles[0], null)]);
        }
        if (dataFiles.Count == 0)
            throw UserInputException.At(dir, null, "holds no class folders and no data files (.tsv, .txt, .csv, .jsonl, optionally .gz), so the corpus is empty. Point to the folder that holds the data");
        throw UserInputException.At(dir, null, $"holds several data files ({string.Join(", ", dataFiles)}) and none is named train. Name them train/val/test, or give one file");
    }

    private static List<ClassFolder> ListClassFolders(string root, string relative)
    {
        var dir = Path.Combine(root, relative);
        var folders = new List<ClassFolder>();
        foreach (var name in Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>()
                     .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal))
        {
            var classRel = Join(relative, name);
            var files = Directory.EnumerateFiles(Path.Combine(root, classRel)).Select(Path.GetFileName).OfType<string>()
                .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).Select(n => Join(classRel, n)).ToList();
            if (files.Count == 0)
                throw UserInputException.At(Path.Combine(root, classRel), null, "is an empty class folder. Add documents to it or remove it");
            folders.Add(new ClassFolder(name.Normalize(NormalizationForm.FormC), classRel, files));
        }
        if (folders.Count == 0)
            throw UserInputException.At(dir, null, "holds no class folders, so the corpus is empty. Put one folder per class with one document per file in it");
        return folders;
    }

    private static CorpusFormat DetectFileFormat(string file)
    {
        var ext = Path.GetExtension(StripGz(Path.GetFileName(file))).ToLowerInvariant();
        if (ext == ".csv") return CorpusFormat.Csv;
        if (ext is ".jsonl" or ".ndjson" or ".json") return CorpusFormat.Jsonl;
        var first = FirstNonBlankLine(file);
        if (first.TrimStart().StartsWith('{')) return CorpusFormat.Jsonl;
        var dir = Path.GetDirectoryName(file)!;
        var lastTab = first.LastIndexOf('\t');
        if (File.Exists(Path.Combine(dir, ClassFile)) && lastTab >= 0 && int.TryParse(first[(lastTab + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return CorpusFormat.IndexedTsv;
        return CorpusFormat.Tsv;
    }

    private static string FirstNonBlankLine(string file)
    {
        using var stream = CorpusFiles.OpenRaw(file);
        var sample = new byte[64 * 1024];
        int n;
        try
        {
            n = stream.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw UserInputException.At(file, null, $"is not a valid gzip file ({e.Message}). Re-compress or decompress it");
        }
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
        var ext = Path.GetExtension(plain).ToLowerInvariant();
        return DataExtensions.Contains(ext) ? plain[..^ext.Length] : name;
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "/" + b;
}

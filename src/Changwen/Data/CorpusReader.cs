namespace Changwen.Data;

/// <summary>
/// Reads the documents of one <see cref="CorpusPart"/> in one <see cref="CorpusFormat"/>. A reader only parses:
/// it yields every document with its raw text, empty ones included; <see cref="Corpus"/> selects the split, skips
/// and counts empty documents and trims the text.
/// </summary>
internal abstract class CorpusReader(CorpusFiles files)
{
    protected CorpusFiles Files { get; } = files;

    /// <summary>The class names the layout itself declares (class.txt), in their order; null when the labels name them.</summary>
    public virtual IReadOnlyList<string>? DeclaredClasses => null;

    /// <summary>
    /// The documents of <paramref name="part"/> in file and line order. A reader that knows a document's source before
    /// reading it (one file per document) skips the sources <paramref name="wanted"/> rejects without reading them;
    /// line readers yield every line and leave the selection to the caller.
    /// </summary>
    public abstract IEnumerable<Document> Read(CorpusPart part, Func<string, bool>? wanted);

    public static CorpusReader For(CorpusFormat format, CorpusFiles files, CorpusOptions options) => format switch
    {
        CorpusFormat.Folders => new FolderCorpusReader(files),
        CorpusFormat.Tsv => new TsvCorpusReader(files),
        CorpusFormat.IndexedTsv => new IndexedTsvCorpusReader(files),
        CorpusFormat.Csv => new CsvCorpusReader(files, options),
        CorpusFormat.Jsonl => new JsonlCorpusReader(files, options),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    protected static readonly string[] TextColumnDefaults = ["content", "text"];
    protected static readonly string[] LabelColumnDefaults = ["category", "label"];

    /// <summary>The column (CSV) or field (JSON) the user named, else the first default present.</summary>
    protected static string PickColumn(IReadOnlyList<string> names, string? asked, string[] defaults, string what, string full, long line)
    {
        if (asked is not null)
            return names.Contains(asked) ? asked
                : throw UserInputException.At(full, line, $"has no {what} column '{asked}' (it has: {string.Join(", ", names)}). Pass the right --{what}-column");
        return defaults.FirstOrDefault(names.Contains)
            ?? throw UserInputException.At(full, line, $"has no {what} column ({string.Join(" or ", defaults)}; it has: {string.Join(", ", names)}). Pass --{what}-column");
    }

    protected static string RequireLabel(string raw, string full, long line)
    {
        var label = raw.Trim();
        if (label.Length == 0) throw UserInputException.At(full, line, "has an empty label. Give every document a label");
        return label;
    }
}

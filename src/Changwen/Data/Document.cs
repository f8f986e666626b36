namespace Changwen.Data;

/// <summary>The three parts of a corpus. A corpus without its own splits gets a stratified, seeded one.</summary>
public enum Split { Train, Val, Test }

/// <summary>One labelled document as read from disk. <see cref="Source"/> names where it came from ("path" or "path:line").</summary>
public sealed record Document(string Label, string Text, string Source);

/// <summary>The layouts a corpus may have on disk.</summary>
public enum CorpusFormat
{
    /// <summary>A folder per category, one document per file (THUCNews, Fudan).</summary>
    Folders,
    /// <summary><c>label&lt;TAB&gt;text</c> lines, plain or .gz, one file or train/val/test files (cnews).</summary>
    Tsv,
    /// <summary><c>text&lt;TAB&gt;index</c> lines with a <c>class.txt</c> of names (THUCNews titles).</summary>
    IndexedTsv,
    /// <summary>CSV with a header row.</summary>
    Csv,
    /// <summary>JSON lines <c>{"label": ..., "text": ...}</c>.</summary>
    Jsonl,
}

namespace Changwen;

/// <summary>The layouts a corpus may have on disk (an option of <see cref="CorpusOptions"/>, read by Data's readers).</summary>
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

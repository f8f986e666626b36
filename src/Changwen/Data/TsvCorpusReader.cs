namespace Changwen.Data;

/// <summary><c>label&lt;TAB&gt;text</c> lines, plain or .gz (cnews). The text may hold further tabs.</summary>
internal sealed class TsvCorpusReader(CorpusFiles files) : LineCorpusReader(files)
{
    protected override (string Label, string Text) Parse(string line, string full, long lineNo)
    {
        var tab = line.IndexOf('\t');
        if (tab < 0)
            throw UserInputException.At(full, lineNo, "has no tab; lines must be label<TAB>text. Fix the line, or pass --format if the file has another layout");
        return (RequireLabel(line[..tab], full, lineNo), line[(tab + 1)..]);
    }
}

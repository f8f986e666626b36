namespace Changwen.Data;

/// <summary>A corpus file with one document per line (TSV, indexed TSV, JSON lines); blank lines are not documents.</summary>
internal abstract class LineCorpusReader(CorpusFiles files) : CorpusReader(files)
{
    public override IEnumerable<Document> Read(CorpusPart part, Func<string, bool>? wanted)
    {
        var full = Files.Full(part.Relative);
        foreach (var (lineNo, line) in Files.ReadLines(part.Relative))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var (label, text) = Parse(line, full, lineNo);
            yield return new Document(label, text, DocumentSource.OfLine(part.Relative, lineNo));
        }
    }

    /// <summary>The label and raw text of one non-blank line; <paramref name="full"/> and <paramref name="lineNo"/> are for messages.</summary>
    protected abstract (string Label, string Text) Parse(string line, string full, long lineNo);
}

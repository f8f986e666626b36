namespace Changwen.Data;

/// <summary>A folder per class, one document per file (THUCNews, Fudan); the label is the folder name.</summary>
internal sealed class FolderCorpusReader(CorpusFiles files) : CorpusReader(files)
{
    public override IEnumerable<Document> Read(CorpusPart part, Func<string, bool>? wanted)
    {
        foreach (var folder in part.Folders!)
            foreach (var file in folder.Files)
            {
                if (wanted is not null && !wanted(file)) continue; // the split is known from the listing: skip the read
                yield return new Document(folder.Label, Files.ReadDocument(file), file);
            }
    }
}

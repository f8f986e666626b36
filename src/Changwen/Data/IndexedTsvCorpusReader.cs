using System.Globalization;

namespace Changwen.Data;

/// <summary>
/// <c>text&lt;TAB&gt;index</c> lines whose index is a line of <c>class.txt</c> (THUCNews titles). The class file is
/// read when the reader is made, so a missing or bad one fails before any document is read.
/// </summary>
internal sealed class IndexedTsvCorpusReader : LineCorpusReader
{
    private const string ClassFile = CorpusLayout.ClassFile;
    private readonly IReadOnlyList<string> _classNames;

    public IndexedTsvCorpusReader(CorpusFiles files) : base(files) => _classNames = ReadClassFile(files.Full(ClassFile));

    public override IReadOnlyList<string> DeclaredClasses => _classNames;

    protected override (string Label, string Text) Parse(string line, string full, long lineNo)
    {
        var tab = line.LastIndexOf('\t');
        if (tab < 0)
            throw UserInputException.At(full, lineNo, "has no tab; lines must be text<TAB>class-index. Fix the line");
        if (!int.TryParse(line[(tab + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= _classNames.Count)
            throw UserInputException.At(full, lineNo, $"class index '{line[(tab + 1)..].Trim()}' is not a line of {ClassFile} (0 to {_classNames.Count - 1}). Fix the index or add the class to {ClassFile}");
        return (_classNames[index], line[..tab]);
    }

    private static IReadOnlyList<string> ReadClassFile(string path)
    {
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
}

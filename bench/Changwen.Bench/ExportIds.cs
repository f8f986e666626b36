using Changwen.Bundle;

namespace Changwen.Bench;

/// <summary>
/// <c>export-ids EXPORT_DIR FILE_LIST</c>: the <c>token_ids</c> row Changwen feeds an exported model for each text file
/// listed (one path a line), as <c>LENGTH id id ...</c> lines, through the served path (<see cref="TextClassifier.LoadOnnx"/>
/// and <see cref="TextClassifier.Prepare"/>, then the run's encoding). bench/python-ids.sh compares them with the Python
/// recipe of docs/serving.md.
/// </summary>
public static class ExportIds
{
    public static int Run(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: export-ids EXPORT_DIR FILE_LIST");
            return 2;
        }
        using var classifier = TextClassifier.LoadOnnx(args[0], threads: 1);
        var encoder = new Text.SequenceEncoder(classifier.Vocabulary, classifier.Options.Encoding);
        foreach (var path in File.ReadAllLines(args[1]).Where(p => p.Length > 0))
        {
            var (ids, length) = encoder.Encode(classifier.Prepare([File.ReadAllText(path)]).Tokens[0]);
            Console.WriteLine($"{length} {string.Join(' ', ids)}");
        }
        return 0;
    }
}

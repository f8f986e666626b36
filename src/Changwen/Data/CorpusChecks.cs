namespace Changwen.Data;

/// <summary>What a corpus must hold before a model can be trained on it, checked before anything is segmented or written.</summary>
public static class CorpusChecks
{
    /// <summary>
    /// Refuses a corpus with fewer than two classes (one line), and reports the classes with a single document, which
    /// the split puts in train only, through <paramref name="progress"/>.
    /// </summary>
    public static void ForTraining(Corpus corpus, IProgress<ProgressUpdate>? progress)
    {
        if (corpus.Classes.Count < 2)
            throw UserInputException.At(corpus.Path, null,
                $"has {corpus.Classes.Count} class{(corpus.Classes.Count == 1 ? $" ('{corpus.Classes[0]}')" : "es")}; a classifier needs at least two. Add documents of another class");
        if (corpus.TrainOnlyClasses is { Count: > 0 } single)
            progress?.Report(new ProgressUpdate("split", 0, null,
                $"{single.Count} class{(single.Count == 1 ? "" : "es")} with a single document, kept in train only (nothing of {(single.Count == 1 ? "it" : "them")} to validate or test): {string.Join(", ", single.Take(10))}{(single.Count > 10 ? ", ..." : "")}"));
    }
}

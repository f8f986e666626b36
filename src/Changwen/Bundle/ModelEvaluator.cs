using Changwen.Data;
using Changwen.Evaluation;
using Changwen.Runs;

namespace Changwen.Bundle;

/// <summary>Which documents of a corpus an evaluation scored, and why.</summary>
public enum EvaluationDocuments
{
    /// <summary>The corpus the model was trained on: its test split as recorded at training.</summary>
    RecordedTestSplit,
    /// <summary>A corpus with its own train/val/test files: its test split.</summary>
    OwnTestSplit,
    /// <summary>Any other corpus: every document in it.</summary>
    AllDocuments,
    /// <summary>The split the caller asked for.</summary>
    RequestedSplit,
}

/// <summary>The outcome of <see cref="ModelEvaluator.Evaluate"/>.</summary>
/// <param name="Data">The corpus path, made absolute.</param>
/// <param name="SplitUsed">"test", "train", "val" or "all".</param>
/// <param name="Description">One sentence for people: which documents were scored and why.</param>
public sealed record EvaluationResult(ClassificationReport Report, int Documents, string Data, string SplitUsed,
    EvaluationDocuments Which, string Description);

/// <summary>Scores a loaded model on a corpus: picks the documents, predicts them in batches, builds the report.</summary>
public static class ModelEvaluator
{
    /// <summary>Documents read, tokenized and predicted per round; bounds memory on large corpora.</summary>
    internal const int ChunkDocuments = 4_096;

    /// <summary>
    /// Evaluates <paramref name="classifier"/> on the corpus at <paramref name="dataPath"/>, read with the model's
    /// corpus options (format, encoding, columns, split fractions and seed) unless <paramref name="corpusOptions"/>
    /// is given. Without <paramref name="split"/> the documents are: the test split recorded at training when DATA is
    /// the training corpus (same absolute path or same fingerprint as corpus.json); the test split when DATA has its
    /// own split files; otherwise every document. A label the model does not know is refused, naming the document.
    /// </summary>
    public static EvaluationResult Evaluate(TextClassifier classifier, string dataPath, CorpusOptions? corpusOptions = null,
        Split? split = null, int batchSize = TextClassifier.DefaultBatchSize, IProgress<ProgressUpdate>? progress = null,
        CancellationToken ct = default)
    {
        var data = Path.GetFullPath(dataPath);
        var options = corpusOptions ?? classifier.Options.Corpus;
        var (documents, which, splitUsed, description) = ChooseDocuments(classifier, data, options, split);

        var gold = new List<int>();
        var predicted = new List<int>();
        var chunk = new List<Document>(ChunkDocuments);
        void Flush()
        {
            if (chunk.Count == 0) return;
            ct.ThrowIfCancellationRequested();
            var probabilities = classifier.PredictProbabilities(chunk.Select(d => d.Text).ToArray(), batchSize);
            predicted.AddRange(probabilities.Select(Scores.ArgMax));
            chunk.Clear();
            progress?.Report(new ProgressUpdate("evaluate", predicted.Count, null));
        }
        foreach (var doc in documents.Documents)
        {
            var index = classifier.IndexOf(doc.Label);
            if (index < 0) throw UnknownLabel(classifier, doc, documents.Root);
            gold.Add(index);
            chunk.Add(doc);
            if (chunk.Count == ChunkDocuments) Flush();
        }
        Flush();
        if (gold.Count == 0)
            throw UserInputException.At(data, null, $"has no documents in {splitUsed}. Give a corpus with documents, or another --split");

        var report = ClassificationReport.Compute(gold, predicted, classifier.Labels);
        progress?.Report(new ProgressUpdate("evaluate", gold.Count, gold.Count, description));
        return new EvaluationResult(report, gold.Count, data, splitUsed, which, description);
    }

    /// <summary>The documents to score, streamed, with the folder their <see cref="Document.Source"/> is relative to.</summary>
    private sealed record Selection(IEnumerable<Document> Documents, string Root);

    private static (Selection Documents, EvaluationDocuments Which, string SplitUsed, string Description) ChooseDocuments(
        TextClassifier classifier, string data, CorpusOptions options, Split? requested)
    {
        var run = classifier.RunDirectory;
        var record = RunFolder.ReadCorpus(run);
        var splitsPath = Path.Combine(run, RunFolder.SplitsFile);
        var same = record is not null && IsTrainingCorpus(record, data, options);

        if (same)
        {
            // The recorded split, so the scored documents are exactly the ones training held out.
            var corpus = !record!.HasOwnSplits && File.Exists(splitsPath)
                ? Corpus.Open(data, options, splitsPath)
                : Corpus.Open(data, options);
            var split = requested ?? Split.Test;
            var source = corpus.UsesRecordedSplits ? $"the split recorded in {splitsPath}" : corpus.HasOwnSplits ? "the corpus's own split files" : "the seeded split of options.json";
            return (new Selection(corpus.Read(split), corpus.Root), requested is null ? EvaluationDocuments.RecordedTestSplit : EvaluationDocuments.RequestedSplit,
                Name(split), $"{Name(split)} split of the training corpus {data} ({source})");
        }

        if (requested is { } asked)
        {
            var corpus = Corpus.Open(data, options);
            var how = corpus.HasOwnSplits ? "its own split files" : "a seeded stratified split";
            return (new Selection(corpus.Read(asked), corpus.Root), EvaluationDocuments.RequestedSplit, Name(asked),
                $"{Name(asked)} split of {data} ({how}), as requested");
        }

        // No split fractions: nothing is held out, so a file whose classes have a single document still opens.
        var whole = Corpus.Open(data, options with { ValFraction = 0, TestFraction = 0 });
        if (whole.HasOwnSplits)
            return (new Selection(whole.Read(Split.Test), whole.Root), EvaluationDocuments.OwnTestSplit, "test",
                $"test split of {data} (its own split files)");
        return (new Selection(whole.Read(Split.Train), whole.Root), EvaluationDocuments.AllDocuments, "all",
            $"every document of {data} (not the training corpus, no split files)");
    }

    /// <summary>Same absolute path as recorded at training, or the same content (fingerprint) elsewhere.</summary>
    private static bool IsTrainingCorpus(CorpusRecord record, string data, CorpusOptions options)
    {
        if (string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(record.Path)), Path.TrimEndingDirectorySeparator(data), StringComparison.Ordinal))
            return true;
        Corpus corpus;
        try
        {
            corpus = Corpus.Open(data, options);
        }
        catch (UserInputException)
        {
            // The training corpus opened with these options; a corpus that does not (e.g. a class with a single
            // document) is another one. Real problems with DATA are reported when it is opened for reading.
            return false;
        }
        return corpus.Fingerprint() == record.Fingerprint;
    }

    private static UserInputException UnknownLabel(TextClassifier classifier, Document doc, string root)
    {
        var known = string.Join(", ", classifier.Labels.Take(20)) + (classifier.Labels.Count > 20 ? ", ..." : "");
        // Source is "file" or "file:line" relative to the corpus root; At(path, null, ...) keeps the line suffix.
        return UserInputException.At(Path.Combine(root, doc.Source), null,
            $"label '{doc.Label}' is not one the model knows ({known}). Fix the label, or evaluate on documents of the model's classes");
    }

    private static string Name(Split split) => split.ToString().ToLowerInvariant();
}

using Changwen.Bundle;
using Changwen.Data;
using Changwen.Evaluation;
using Changwen.Runs;

namespace Changwen.Tests.Bundle;

[Collection("torch")]
public sealed class EvaluationTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    [Fact]
    public void Scores_equal_those_counted_by_hand_from_the_predictions()
    {
        using var classifier = TextClassifier.Load(run.RunDir);

        var result = ModelEvaluator.Evaluate(classifier, run.CorpusPath);

        var gold = run.TestDocuments.Select(d => classifier.IndexOf(d.Label)).ToArray();
        var predicted = run.Probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();
        Assert.Equal(gold.Length, result.Documents);
        Assert.Equal((double)gold.Zip(predicted).Count(p => p.First == p.Second) / gold.Length, result.Report.Accuracy, 12);
        var f1 = new double[3];
        for (var c = 0; c < 3; c++)
        {
            var tp = gold.Zip(predicted).Count(p => p.First == c && p.Second == c);
            var fp = gold.Zip(predicted).Count(p => p.First != c && p.Second == c);
            var fn = gold.Zip(predicted).Count(p => p.First == c && p.Second != c);
            f1[c] = tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
            Assert.Equal(gold.Count(g => g == c), result.Report.PerClass[c].Support);
            Assert.Equal(f1[c], result.Report.PerClass[c].F1, 12);
            Assert.Equal(gold.Zip(predicted).Count(p => p.First == c && p.Second == c), result.Report.ConfusionMatrix[c][c]);
        }
        Assert.Equal(f1.Average(), result.Report.MacroAverage.F1, 12);
        Assert.Equal(ClassificationReport.Compute(gold, predicted, classifier.Labels).ToJson(), result.Report.ToJson());
    }

    [Fact]
    public void The_training_corpus_is_scored_on_the_test_split_recorded_at_training()
    {
        using var classifier = TextClassifier.Load(run.RunDir);

        var result = ModelEvaluator.Evaluate(classifier, run.CorpusPath);

        Assert.Equal(EvaluationDocuments.RecordedTestSplit, result.Which);
        Assert.Equal("test", result.SplitUsed);
        Assert.Equal(run.TestDocuments.Count, result.Documents);
        Assert.Contains(RunFolder.SplitsFile, result.Description);
    }

    [Fact]
    public void The_recorded_split_file_decides_which_documents_are_test()
    {
        var dir = TinyRun.Copy(run.RunDir, run.Scratch("resplit"));
        var splits = Path.Combine(dir, RunFolder.SplitsFile);
        var lines = File.ReadAllLines(splits);
        var moved = Array.FindIndex(lines, l => l.EndsWith("\ttrain", StringComparison.Ordinal));
        lines[moved] = lines[moved][..^"train".Length] + "test";
        File.WriteAllLines(splits, lines);
        using var classifier = TextClassifier.Load(dir);

        var result = ModelEvaluator.Evaluate(classifier, run.CorpusPath);

        Assert.Equal(run.TestDocuments.Count + 1, result.Documents);
    }

    [Fact]
    public void A_copy_of_the_training_corpus_elsewhere_is_recognised_by_its_fingerprint()
    {
        var copy = Path.Combine(run.Scratch("copy"), Path.GetFileName(run.CorpusPath));
        File.Copy(run.CorpusPath, copy);
        using var classifier = TextClassifier.Load(run.RunDir);

        var result = ModelEvaluator.Evaluate(classifier, copy);

        Assert.Equal(EvaluationDocuments.RecordedTestSplit, result.Which);
        Assert.Equal(run.TestDocuments.Count, result.Documents);
    }

    [Fact]
    public void A_corpus_with_its_own_split_files_is_scored_on_its_test_file()
    {
        var dir = run.Scratch("own-splits");
        File.WriteAllText(Path.Combine(dir, "train.tsv"), TinyRun.Tsv(perClass: 4, seed: 21));
        File.WriteAllText(Path.Combine(dir, "val.tsv"), TinyRun.Tsv(perClass: 2, seed: 22));
        File.WriteAllText(Path.Combine(dir, "test.tsv"), TinyRun.Tsv(perClass: 3, seed: 23));
        using var classifier = TextClassifier.Load(run.RunDir);

        var result = ModelEvaluator.Evaluate(classifier, dir);

        Assert.Equal(EvaluationDocuments.OwnTestSplit, result.Which);
        Assert.Equal(9, result.Documents);
        Assert.Equal([3, 3, 3], result.Report.PerClass.Select(c => c.Support));
    }

    [Fact]
    public void Any_other_corpus_is_scored_on_every_document_even_a_class_with_one()
    {
        var dir = run.Scratch("other");
        var file = Path.Combine(dir, "new.tsv");
        File.WriteAllText(file, TinyRun.Tsv(perClass: 3, seed: 31, labels: ["体育", "财经"]) + TinyRun.Tsv(perClass: 1, seed: 32, labels: ["科技"]));
        using var classifier = TextClassifier.Load(run.RunDir);

        var result = ModelEvaluator.Evaluate(classifier, file);

        Assert.Equal(EvaluationDocuments.AllDocuments, result.Which);
        Assert.Equal("all", result.SplitUsed);
        Assert.Equal(7, result.Documents);
        Assert.Equal([3, 1, 3], result.Report.PerClass.Select(c => c.Support));
    }

    [Fact]
    public void A_requested_split_of_the_training_corpus_comes_from_the_recorded_split()
    {
        using var classifier = TextClassifier.Load(run.RunDir);
        var recorded = Corpus.Open(run.CorpusPath, classifier.Options.Corpus, Path.Combine(run.RunDir, RunFolder.SplitsFile));

        var result = ModelEvaluator.Evaluate(classifier, run.CorpusPath, split: Split.Train);

        Assert.Equal(EvaluationDocuments.RequestedSplit, result.Which);
        Assert.Equal(recorded.Read(Split.Train).Count(), result.Documents);
        Assert.Equal(60 - run.TestDocuments.Count - recorded.Read(Split.Val).Count(), result.Documents);
    }

    [Fact]
    public void A_label_the_model_does_not_know_is_refused_naming_the_file_and_line()
    {
        var dir = run.Scratch("unknown-label");
        var file = Path.Combine(dir, "new.tsv");
        File.WriteAllText(file, TinyRun.Tsv(perClass: 1, seed: 41) + "军事\t坦克演习部队\n");
        using var classifier = TextClassifier.Load(run.RunDir);

        var error = Assert.Throws<UserInputException>(() => ModelEvaluator.Evaluate(classifier, file));

        Assert.StartsWith($"{file}:4:", error.Message);
        Assert.Contains("'军事'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Progress_reports_documents_predicted_and_what_was_scored()
    {
        using var classifier = TextClassifier.Load(run.RunDir);
        var updates = new List<ProgressUpdate>();

        ModelEvaluator.Evaluate(classifier, run.CorpusPath, progress: new Changwen.Tests.Training.SyncProgress(updates.Add));

        Assert.All(updates, u => Assert.Equal("evaluate", u.Stage));
        Assert.Equal(run.TestDocuments.Count, updates[^1].Done);
        Assert.Contains("test split", updates[^1].Message);
    }
}

using Changwen.Bundle;
using Changwen.Diagnosis;
using Changwen.Experiments;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Tests.Pipeline;
using Changwen.Tests.Training;
using Changwen.Tfidf;
using Changwen.Training;

namespace Changwen.Tests.Tfidf;

[Collection("torch")]
public sealed class LinearRunTests
{
    [Fact]
    public void A_linear_run_folder_works_with_eval_predict_and_diagnose_like_any_model()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 20);
        var runDir = Path.Combine(dir.Path, "run");
        var options = TinyCorpus.Options() with { Model = new ModelOptions { Kind = ModelKind.Linear } };

        var result = TrainingJob.Run(data, options, runDir, resume: false, cacheDir: "", progress: null, ct: default);

        Assert.True(File.Exists(Path.Combine(runDir, RunFolder.LinearModelFile)));
        Assert.False(File.Exists(Path.Combine(runDir, RunFolder.BestWeights)));
        Assert.Equal(ModelKind.Linear, result.Summary.Model);
        Assert.NotNull(result.Summary.C);
        // The default form, one-vs-rest, fitted fully by dual coordinate descent at every C of the grid.
        Assert.Equal(LinearTrainer.CGrid, result.Summary.Fits!.Select(f => f.C));
        Assert.All(result.Summary.Fits!, f => Assert.Equal((LinearForm.OneVsRest, LinearTrainer.DualSolverName), (f.Form, f.Solver)));
        Assert.Equal(LinearForm.OneVsRest, result.Summary.LinearForm);
        Assert.Equal("linear", RunFolder.ReadFormat(runDir).Model);
        Assert.Equal(RunStatus.Finished, ExperimentReport.StatusOf(runDir));

        using var classifier = TextClassifier.Load(runDir);
        var prediction = classifier.Predict("球赛队员冠军跑跳泳", topK: 3);
        Assert.Equal("体育", prediction.Label);
        Assert.Equal(1.0, prediction.Top.Sum(p => (double)p.Probability), 5);
        var evaluation = ModelEvaluator.Evaluate(classifier, data, null, null, TextClassifier.DefaultBatchSize, null);
        Assert.Equal(result.TestAccuracy, evaluation.Report.Accuracy);
        Assert.NotNull(RunDiagnosis.Explain(runDir));

        // A finished linear model is never overwritten.
        Assert.Throws<UserInputException>(() => TrainingJob.Run(data, options, runDir, resume: false, cacheDir: "", progress: null, ct: default));
        Assert.Throws<UserInputException>(() => TrainingJob.Run(data, options, runDir, resume: true, cacheDir: "", progress: null, ct: default));
    }
}

using System.Diagnostics;
using Changwen.Evaluation;
using Changwen.IO;
using Changwen.Runs;
using Changwen.Text;

namespace Changwen.Tfidf;

/// <summary>
/// The training step of a <c>--model linear</c> run, after <see cref="Pipeline.TrainingJob"/> has read, split and segmented the
/// corpus: fit (<see cref="LinearTrainer"/>), save <see cref="RunFolder.LinearModelFile"/>, record the fit as the run's one
/// "epoch" in metrics.jsonl and summary.json, score the test split.
/// </summary>
internal static class LinearJob
{
    /// <param name="read">The sampled training and validation documents, streamed from disk on each call (<see cref="LinearTrainer.Fit(Func{IEnumerable{LinearDocument}}, int, ModelOptions, int, int, IProgress{ProgressUpdate}?, CancellationToken)"/>).</param>
    /// <returns>The run's summary and the fitted model (saved in the run folder).</returns>
    public static (TrainingSummary Summary, LinearModel Model) Train(string runDir, TrainOptions options, IReadOnlyList<string> classes,
        Func<IEnumerable<LinearDocument>> read, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var result = LinearTrainer.Fit(read, classes.Count, options.Model, options.Optimizer.Seed, options.Optimizer.Threads, progress, ct);
        result.Model.Save(Path.Combine(runDir, RunFolder.LinearModelFile));
        var chosen = result.Chosen;
        var seconds = clock.Elapsed.TotalSeconds;
        progress?.Report(new ProgressUpdate("fit", result.Fits.Count, result.Fits.Count,
            $"kept {LinearTrainer.FormName(chosen.Form)} C={chosen.C:G} (val accuracy {chosen.ValAccuracy:P2}); {result.Model.Vectorizer.FeatureCount:N0} features, fitted in {seconds:F1} s"));

        // The fit is the run's only pass: one epoch record, so diagnose, reports and curves read a linear run like any other.
        var epoch = new EpochRecord
        {
            Epoch = 1, TrainLoss = chosen.TrainLoss, TrainAccuracy = chosen.TrainAccuracy, ValLoss = chosen.ValLoss,
            ValAccuracy = chosen.ValAccuracy, Seconds = seconds, DocsPerSecond = result.TrainDocs / Math.Max(seconds, 1e-9),
        };
        AtomicFile.WriteAllBytes(Path.Combine(runDir, RunFolder.MetricsFile), MetricsLog.Line(epoch));
        var summary = new TrainingSummary
        {
            Model = ModelKind.Linear, BestValAccuracy = chosen.ValAccuracy, BestEpoch = 1, EpochsRun = 1, EpochsPlanned = 1,
            FinalTrainLoss = chosen.TrainLoss, FinalTrainAccuracy = chosen.TrainAccuracy, FinalValLoss = chosen.ValLoss,
            FinalValAccuracy = chosen.ValAccuracy, SecondsPerEpoch = seconds, TotalSeconds = seconds,
            DocsPerSecond = epoch.DocsPerSecond, Finished = true, TrainDocs = result.TrainDocs, ValDocs = result.ValDocs,
            Parameters = (long)(result.Model.Vectorizer.FeatureCount + 1) * classes.Count,
            Threads = options.Optimizer.Threads, Seed = options.Optimizer.Seed,
            C = chosen.C, LinearForm = chosen.Form, Features = result.Model.Vectorizer.FeatureCount, Fits = result.Fits,
        };
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), Json.Serialize(summary));
        return (summary, result.Model);
    }

    /// <summary>
    /// The test report of the fitted model, predicted from the already segmented test documents, read as they are
    /// enumerated and scored a block at a time, so only their labels and predictions stay in memory.
    /// </summary>
    public static ClassificationReport Evaluate(LinearModel model, IReadOnlyList<string> classes, IEnumerable<TokenizedDocument> testDocs)
    {
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var truth = new List<int>();
        var predicted = new List<int>();
        foreach (var block in testDocs.Chunk(4096))
        {
            var blockPredicted = new int[block.Length];
            Parallel.For(0, block.Length, i =>
            {
                var p = model.Probabilities(block[i].Tokens);
                var best = 0;
                for (var k = 1; k < p.Length; k++)
                    if (p[k] > p[best]) best = k;
                blockPredicted[i] = best;
            });
            truth.AddRange(block.Select(d => classIndex[d.Label]));
            predicted.AddRange(blockPredicted);
        }
        return ClassificationReport.Compute(truth, predicted.ToArray(), classes);
    }
}

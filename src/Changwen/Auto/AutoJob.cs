using System.Diagnostics;
using Changwen.Bundle;
using Changwen.Evaluation;
using Changwen.IO;
using Changwen.Models;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Text;

namespace Changwen.Auto;

/// <summary>
/// <c>--model auto</c>: trains candidates one after another into <c>RUN/candidates/NAME</c>, each with its own
/// defaults (<see cref="ModelDefaults"/>), scores each on the validation split, and keeps the linear model unless another
/// candidate or the average of the two best beats it on validation beyond noise (<see cref="AutoChoice"/>). The test
/// split is scored only for what was chosen. auto.json records the search.
/// </summary>
public static class AutoJob
{
    /// <summary>The candidates in the order they are tried: the cheap, strong ones first.</summary>
    public static readonly IReadOnlyList<ModelKind> Order = [ModelKind.Linear, ModelKind.Fasttext, ModelKind.Textcnn, ModelKind.Lstm];

    /// <summary>Never skipped by the cost estimate (fastText is the estimate's base); only an exhausted budget skips fastText.</summary>
    private static readonly ModelKind[] Required = [ModelKind.Linear, ModelKind.Fasttext];

    /// <summary>
    /// Wall time of a candidate's run as a multiple of the fastText run's, used to decide whether it fits in what is left
    /// of the budget: TextCNN (10 epochs) took 3.8× fastText (20 epochs) and the fixed LSTM about 6× in the models
    /// plan (docs/experiments.md, "Small-corpus models").
    /// </summary>
    private static readonly Dictionary<ModelKind, double> CostRelativeToFastText = new()
    {
        [ModelKind.Textcnn] = 3.8,
        [ModelKind.Lstm] = 6.0,
    };

    /// <param name="options">The run's options (model kind auto): its corpus and tokenizer settings, seed and threads
    /// apply to every candidate.</param>
    /// <param name="candidateOptions">The options of a candidate of the given kind; null = that kind's defaults
    /// (<see cref="ModelDefaults"/>) with the corpus, tokenizer, seed and threads of <paramref name="options"/>. The CLI
    /// passes the kind's defaults with the flags the user typed on top.</param>
    public static TrainingJobResult Run(string dataPath, TrainOptions options, string runDir, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct, Func<ModelKind, TrainOptions>? candidateOptions = null) =>
        Run(dataPath, options, runDir, cacheDir, progress, ct, null,
            candidateOptions is null ? null : (kind, _) => candidateOptions(kind) with { Model = candidateOptions(kind).Model with { Kind = kind } });

    /// <param name="candidates">The candidates in order (default <see cref="Order"/>).</param>
    /// <param name="adjust">Changes a candidate's options before it trains (tests make one candidate lose on purpose).</param>
    internal static TrainingJobResult Run(string dataPath, TrainOptions options, string runDir, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct, IReadOnlyList<ModelKind>? candidates,
        Func<ModelKind, TrainOptions, TrainOptions>? adjust)
    {
        ModelSpecs.Validate(options);
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromMinutes(options.Model.TimeBudget);
        runDir = Path.GetFullPath(runDir);
        Directory.CreateDirectory(runDir);
        var saved = options with
        {
            Tokenizer = options.Tokenizer with
            {
                UserDictionary = options.Tokenizer.UserDictionary is { } d ? Path.GetFullPath(d) : null,
                StopWords = options.Tokenizer.StopWords is { } w ? Path.GetFullPath(w) : null,
            },
        };
        RunFolder.WriteOptions(runDir, saved);
        RunFolder.WriteFormat(runDir, saved);
        var order = candidates ?? Order;
        progress?.Report(new ProgressUpdate("auto", 0, order.Count,
            $"auto: candidates {string.Join(", ", order.Select(Name))}, time budget {options.Model.TimeBudget:G} minutes"));

        var results = new List<CandidateResult>();
        // The first candidate's result is never null (it is not cut by the budget); a later one stopped by the budget has none.
        var trained = new List<(string Name, TrainingJobResult? Result)>();
        double? fastTextSeconds = null;
        foreach (var kind in order)
        {
            ct.ThrowIfCancellationRequested();
            var name = Name(kind);
            var elapsed = clock.Elapsed.TotalSeconds;
            if (results.Count > 0 && elapsed >= budget.TotalSeconds)
            {
                // Nothing left of the budget (a slow linear fit): the candidate would be stopped before its first epoch.
                results.Add(new CandidateResult(name, "skipped", null, null, null, "no time left of the budget"));
                progress?.Report(new ProgressUpdate("auto", results.Count, order.Count, $"auto: skipping {name} (no time left of the budget)"));
                continue;
            }
            if (!Required.Contains(kind))
            {
                var estimate = fastTextSeconds * CostRelativeToFastText.GetValueOrDefault(kind, 6.0);
                if (estimate is null || elapsed + estimate > budget.TotalSeconds)
                {
                    var why = estimate is null
                        ? "no fastText time to estimate its cost from"
                        : $"estimated {estimate / 60:F1} min, {Math.Max(0, budget.TotalSeconds - elapsed) / 60:F1} min of the budget left";
                    results.Add(new CandidateResult(name, "skipped", null, null, null, why));
                    progress?.Report(new ProgressUpdate("auto", results.Count, order.Count, $"auto: skipping {name} ({why})"));
                    continue;
                }
            }
            progress?.Report(new ProgressUpdate("auto", results.Count, order.Count, $"auto: training {name}"));
            var candidateOptions = ModelDefaults.For(kind) with
            {
                Corpus = options.Corpus,
                Tokenizer = options.Tokenizer,
                Optimizer = ModelDefaults.For(kind).Optimizer with { Seed = options.Optimizer.Seed, Threads = options.Optimizer.Threads },
            };
            if (adjust is not null) candidateOptions = adjust(kind, candidateOptions);
            var candidateClock = Stopwatch.StartNew();
            // Every candidate after the first stops when the budget does: its finished epochs (best.pt) are kept, so a
            // fastText of 20 epochs on a large corpus cannot carry the command past the budget.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (trained.Count > 0) deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, budget.TotalSeconds - clock.Elapsed.TotalSeconds)));
            TrainingJobResult? result = null;
            string? note = null;
            try
            {
                result = TrainingJob.Run(dataPath, candidateOptions, CandidateDir(runDir, name), resume: false, cacheDir,
                    Prefixed(progress, name), deadline.Token, reportWatcherFindings: false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && trained.Count > 0)
            {
                // Stopped before training began (reading, encoding) there is no metrics.jsonl yet.
                var metricsPath = Path.Combine(CandidateDir(runDir, name), RunFolder.MetricsFile);
                var epochs = File.Exists(metricsPath) ? MetricsLog.Read(metricsPath).Epochs.Count : 0;
                if (epochs == 0 || !File.Exists(Path.Combine(CandidateDir(runDir, name), RunFolder.BestWeights)))
                {
                    results.Add(new CandidateResult(name, "skipped", null, null, candidateClock.Elapsed.TotalSeconds,
                        "the time budget ran out before its first epoch finished"));
                    progress?.Report(new ProgressUpdate("auto", results.Count, order.Count, $"auto: {name} stopped by the time budget before its first epoch finished"));
                    fastTextSeconds ??= kind == ModelKind.Fasttext ? candidateClock.Elapsed.TotalSeconds : null;
                    continue;
                }
                note = $"stopped by the time budget after {epochs} of {candidateOptions.Optimizer.Epochs} epochs; its best epoch is kept";
                progress?.Report(new ProgressUpdate("auto", results.Count, order.Count, $"auto: {name} {note}"));
            }
            var seconds = candidateClock.Elapsed.TotalSeconds;
            if (kind == ModelKind.Fasttext) fastTextSeconds = seconds;
            trained.Add((name, result));
            results.Add(new CandidateResult(name, "trained", null, null, seconds, note));
        }

        // ---- score every trained candidate on the validation split, from the same segmented documents
        var first = CandidateDir(runDir, trained[0].Name);
        var (classes, valDocs, testDocs) = TrainingJob.SegmentedSplits(dataPath, first, cacheDir, null, ct);
        var valLabels = Labels(valDocs, classes);
        var valTokens = valDocs.Select(d => d.Tokens).ToList();
        var valProbabilities = new Dictionary<string, float[][]>();
        foreach (var (name, _) in trained)
        {
            using var classifier = TextClassifier.Load(CandidateDir(runDir, name));
            valProbabilities[name] = classifier.PredictTokenized(valTokens);
            var (accuracy, loss) = Scores.AccuracyAndLoss(valProbabilities[name], valLabels);
            var i = results.FindIndex(r => r.Name == name);
            results[i] = results[i] with { ValAccuracy = accuracy, ValLoss = loss };
            progress?.Report(new ProgressUpdate("auto", i + 1, order.Count, $"auto: {name} val accuracy {accuracy:P2}, val loss {loss:F4}"));
        }

        // ---- choose (AutoChoice): the first candidate (linear) stays unless a challenger — another candidate, or the
        // average of the two best — beats it on validation by more than noise (McNemar's exact test, one-sided, 5 %)
        var ranked = results.Where(r => r.Status == "trained").OrderByDescending(r => r.ValAccuracy).ThenBy(r => r.ValLoss).ToList();
        var incumbent = new AutoOption([trained[0].Name], valProbabilities[trained[0].Name]);
        var challengers = trained.Skip(1).Select(t => new AutoOption([t.Name], valProbabilities[t.Name])).ToList();
        if (ranked.Count >= 2)
        {
            string[] pair = [ranked[0].Name, ranked[1].Name];
            challengers.Add(new AutoOption(pair, AverageScorer.Average(pair.Select(n => valProbabilities[n]).ToList(), valLabels.Count)));
        }
        var (kept, comparisons) = AutoChoice.Choose(incumbent, challengers, valLabels);
        foreach (var comparison in comparisons)
        {
            var verdict = $"against {incumbent.Name} on validation: {comparison.Gains} documents gained, {comparison.Losses} lost, " +
                          $"McNemar p = {comparison.P:G3} ({(comparison.Significant ? "better beyond noise" : "not better beyond noise")})";
            var i = results.FindIndex(r => r.Name == comparison.Name);
            if (i >= 0) results[i] = results[i] with { Note = results[i].Note is { } earlier ? $"{earlier}; {verdict}" : verdict };
            else results.Add(new CandidateResult(comparison.Name, "averaged", comparison.ValAccuracy, comparison.ValLoss, null, verdict));
            progress?.Report(new ProgressUpdate("auto", results.Count, order.Count, $"auto: {comparison.Name} {verdict}"));
        }
        IReadOnlyList<string> chosen = kept.Members;
        var (chosenAccuracy, chosenLoss) = Scores.AccuracyAndLoss(kept.ValProbabilities, valLabels);
        var chosenName = string.Join('+', chosen);
        progress?.Report(new ProgressUpdate("auto", order.Count, order.Count,
            $"auto: chose {chosenName} (val accuracy {chosenAccuracy:P2}, val loss {chosenLoss:F4})"));

        // ---- the run folder: the record, the files eval and serve read, the test report of what was chosen
        foreach (var file in new[] { RunFolder.LabelsFile, RunFolder.CorpusFile, RunFolder.SplitsFile })
            if (File.Exists(Path.Combine(first, file)))
                AtomicFile.WriteAllBytes(Path.Combine(runDir, file), File.ReadAllBytes(Path.Combine(first, file)));
        new AutoRecord(chosen, results, options.Model.TimeBudget, clock.Elapsed.TotalSeconds) { Rule = AutoChoice.Rule }.Write(runDir);
        var trainDocs = trained[0].Result!.Summary.TrainDocs;
        var totalSeconds = clock.Elapsed.TotalSeconds;
        var epoch = new EpochRecord { Epoch = 1, ValAccuracy = chosenAccuracy, ValLoss = chosenLoss, Seconds = totalSeconds };
        AtomicFile.WriteAllBytes(Path.Combine(runDir, RunFolder.MetricsFile), MetricsLog.Line(epoch));
        var summary = new TrainingSummary
        {
            Model = ModelKind.Auto, BestValAccuracy = chosenAccuracy, BestEpoch = 1, EpochsRun = 1, EpochsPlanned = 1,
            FinalValAccuracy = chosenAccuracy, FinalValLoss = chosenLoss, TotalSeconds = totalSeconds, SecondsPerEpoch = totalSeconds,
            Finished = true, TrainDocs = trainDocs, ValDocs = valDocs.Count, Threads = options.Optimizer.Threads,
            Seed = options.Optimizer.Seed, Chosen = chosenName, Candidates = results,
        };
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), Json.Serialize(summary));
        ClassificationReport? report = null;
        if (testDocs.Count > 0)
        {
            using var classifier = TextClassifier.Load(runDir);
            var probabilities = classifier.PredictTokenized(testDocs.Select(d => d.Tokens).ToList());
            report = ClassificationReport.Compute(Labels(testDocs, classes), probabilities.Select(Scores.ArgMax).ToList(), classes);
            summary = TrainingJob.WriteTestReport(runDir, summary, report);
            progress?.Report(new ProgressUpdate("evaluate", testDocs.Count, testDocs.Count,
                $"test accuracy {report.Accuracy:P2}, macro F1 {report.MacroAverage.F1:F4} ({testDocs.Count:N0} documents, {chosenName})"));
        }
        TrainingJob.SaveCurve(runDir, trainDocs, options.Optimizer.BatchSize, classes.Count);
        RunFolder.MarkFinished(runDir, summary);
        return new TrainingJobResult(runDir, saved, summary, report, trained[0].Result!.ValCarvedFromTrain);
    }

    /// <summary>A candidate's folder inside the auto run folder.</summary>
    public static string CandidateDir(string runDir, string name) => Path.Combine(runDir, RunFolder.CandidatesFolder, name);

    private static string Name(ModelKind kind) => kind.ToString().ToLowerInvariant();

    private static List<int> Labels(IReadOnlyList<TokenizedDocument> docs, IReadOnlyList<string> classes)
    {
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        return docs.Select(d => index[d.Label]).ToList();
    }


    private static IProgress<ProgressUpdate>? Prefixed(IProgress<ProgressUpdate>? inner, string name) =>
        inner is null ? null : new Progress(inner, name);

    private sealed class Progress(IProgress<ProgressUpdate> inner, string name) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => inner.Report(value with { Message = value.Message is null ? null : $"[{name}] {value.Message}" });
    }
}

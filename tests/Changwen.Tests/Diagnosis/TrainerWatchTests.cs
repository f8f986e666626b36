using Changwen.Data;
using Changwen.Diagnosis;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Training;
using Changwen.Tests.Training;

namespace Changwen.Tests.Diagnosis;

/// <summary>The trainer with a watcher: what the original post's stalled LSTM looks like to it, and that it keeps resume exact.</summary>
[Collection("torch")]
public sealed class TrainerWatchTests
{
    private const int RowLength = 120;
    private const int StepsPerEpoch = 30;
    private const int BatchSize = 8;

    /// <summary>Short separable documents (4..10 words) at the start of long post-padded rows: 110+ pad steps after the last word.</summary>
    private static readonly EncodedDataset Train = Repad(SyntheticCorpus.Create(docsPerClass: StepsPerEpoch * BatchSize / 3, maxLen: 10, minLen: 4, seed: 31));
    private static readonly EncodedDataset Val = Repad(SyntheticCorpus.Create(docsPerClass: 10, maxLen: 10, minLen: 4, seed: 32));

    private static EncodedDataset Repad(EncodedDataset data)
    {
        var ids = new int[data.Count * RowLength];
        for (var d = 0; d < data.Count; d++) data.Row(d).CopyTo(ids.AsSpan(d * RowLength, data.MaxLen));
        return new EncodedDataset(RowLength, ids, data.Lengths, data.Labels);
    }

    private static TrainOptions Options(PoolKind pool, int epochs) => new()
    {
        Encoding = new EncodingOptions { MaxLen = RowLength, Pad = PadSide.Post },
        // The post's settings apart from the pooling under test (Changwen's defaults are the fixed LSTM).
        Model = new ModelOptions { Kind = ModelKind.Lstm, EmbeddingDim = 16, HiddenDim = 16, Pool = pool, ForgetBias = null },
        Optimizer = new OptimizerOptions { Epochs = epochs, Lr = 0.01, BatchSize = BatchSize, Seed = 7, Threads = 1, ClipGradNorm = null, Bucket = false },
    };

    private static readonly string[] Classes = ["甲", "乙", "丙"];

    /// <summary>Trains as TrainingJob does: pre-training checks into diagnosis.json, then the trainer with a watcher.</summary>
    private static List<string> Train_(string dir, TrainOptions options, bool resume = false, CancellationToken ct = default,
        Action<ProgressUpdate>? onProgress = null, int? modelSeed = null)
    {
        var findingLines = new List<string>();
        var progress = new SyncProgress(u =>
        {
            if (u is FindingUpdate) findingLines.Add(u.Message!);
            onProgress?.Invoke(u);
        });
        var readsLast = options.Model.Pool == PoolKind.Last;
        var log = DiagnosisLog.Open(dir, resume);
        foreach (var f in log.Add(PreTrainingChecks.Run(new PreTrainingInput
                 {
                     Options = options, Train = Train, Val = Val, RawTrainLengths = Train.Lengths, Classes = Classes,
                     VocabularySize = SyntheticCorpus.VocabSize, ReadsLastStep = readsLast,
                 })))
            progress.Report(f.ToProgress());
        var watcher = new TrainingWatcher(WatchContext.For(options, Classes, Train, readsLast, corpusOrderedByLabel: false));
        using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, modelSeed ?? options.Optimizer.Seed);
        Trainer.Train(model, Train, Val, options, dir, resume, progress, ct, new TrainingDiagnosis(watcher, log, progress, Val.Labels, model.NumClasses));
        return findingLines;
    }

    private static IReadOnlyList<Finding> Recorded(string dir) => DiagnosisLog.Read(Path.Combine(dir, RunFolder.DiagnosisFile));

    [Fact]
    public void A_post_padded_last_step_run_records_padding_last_step_and_its_plateau_within_two_epochs()
    {
        using var dir = new TempDir();

        var printed = Train_(dir.Path, Options(PoolKind.Last, epochs: 2));

        var recorded = Recorded(dir.Path);
        Assert.Contains(recorded, f => f.Code == FindingCode.PaddingLastStep && f.Epoch is null);
        var plateau = Assert.Single(recorded, f => f.Code == FindingCode.Plateau);
        Assert.Equal(FindingCode.PaddingLastStep, plateau.Evidence["cause"]);
        Assert.InRange(plateau.Step!.Value, TrainingWatcher.MinPlateauSteps, 2 * StepsPerEpoch);
        Assert.Contains("--pool true-last", plateau.Message);
        // Each finding is reported once, as "warning [code] message", in the order it was recorded.
        Assert.Equal(recorded.Select(f => f.Describe()), printed);
        Assert.Contains(printed, l => l.StartsWith("warning [plateau] ", StringComparison.Ordinal));

        // The records the watcher judged are in metrics.jsonl: gradient norms on each of the first 50 steps, then every
        // tenth, and the validation prediction counts of each epoch.
        var (gradients, predictions) = DiagnosisRecords.Read(Path.Combine(dir.Path, RunFolder.MetricsFile));
        Assert.Equal(Enumerable.Range(1, 2 * StepsPerEpoch).Where(s => Trainer.GradientRecordDue(s)).Select(s => (long)s), gradients.Select(g => g.Step));
        Assert.All(gradients, g => Assert.Equal(["classifier", "embedding", "lstm layer 0"], g.Groups.Keys.Order()));
        Assert.Equal([1, 2], predictions.Select(p => p.Epoch));
        Assert.All(predictions, p => Assert.Equal(Val.Count, p.Predicted.Sum()));
        Assert.Equal(PredictionCounts.Of(Val.Labels, 3), predictions[0].Actual);
    }

    [Fact]
    public void The_same_data_read_at_each_documents_last_word_trains_without_stall_collapse_or_gradient_findings()
    {
        using var dir = new TempDir();

        Train_(dir.Path, Options(PoolKind.TrueLast, epochs: 2));

        var codes = Recorded(dir.Path).Select(f => f.Code).ToList();
        Assert.DoesNotContain(FindingCode.PaddingLastStep, codes);
        foreach (var code in new[] { FindingCode.Plateau, FindingCode.Collapse, FindingCode.VanishingGradients, FindingCode.ExplodingGradients })
            Assert.DoesNotContain(code, codes);
        Assert.True(File.Exists(Path.Combine(dir.Path, RunFolder.DiagnosisFile))); // checked, nothing of that kind found
    }

    [Fact]
    public void A_watched_run_killed_mid_epoch_resumes_to_the_same_metrics_and_diagnosis_without_repeating_findings()
    {
        using var whole = new TempDir();
        using var killed = new TempDir();
        var options = Options(PoolKind.Last, epochs: 3);
        Train_(whole.Path, options);
        Assert.Contains(Recorded(whole.Path), f => f.Code == FindingCode.Plateau); // found in epoch 2, before the kill below

        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train_(killed.Path, options, ct: cts.Token, onProgress: u => { if (u is { Stage: "epoch 3/3", Done: 4, Message: null }) cts.Cancel(); }));
        File.AppendAllText(Path.Combine(killed.Path, RunFolder.MetricsFile), "{\"type\":\"grad\",\"epo"); // a torn line
        var printedOnResume = Train_(killed.Path, options, resume: true, modelSeed: 999);

        var wholeMetrics = Path.Combine(whole.Path, RunFolder.MetricsFile);
        var killedMetrics = Path.Combine(killed.Path, RunFolder.MetricsFile);
        Assert.Equal(MetricsLog.Read(wholeMetrics).Steps, MetricsLog.Read(killedMetrics).Steps);
        Assert.Equal(MetricsLog.Read(wholeMetrics).Epochs.Select(e => e with { Seconds = 0, DocsPerSecond = 0 }),
            MetricsLog.Read(killedMetrics).Epochs.Select(e => e with { Seconds = 0, DocsPerSecond = 0 }));
        var (wholeGradients, wholePredictions) = DiagnosisRecords.Read(wholeMetrics);
        var (killedGradients, killedPredictions) = DiagnosisRecords.Read(killedMetrics);
        Assert.Equal(wholeGradients.Select(g => (g.Epoch, g.Step, string.Join(",", g.Groups.OrderBy(kv => kv.Key)))),
            killedGradients.Select(g => (g.Epoch, g.Step, string.Join(",", g.Groups.OrderBy(kv => kv.Key)))));
        Assert.Equal(wholePredictions.Select(p => (p.Epoch, string.Join(",", p.Predicted), string.Join(",", p.Actual))),
            killedPredictions.Select(p => (p.Epoch, string.Join(",", p.Predicted), string.Join(",", p.Actual))));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Path, "best.pt")), File.ReadAllBytes(Path.Combine(killed.Path, "best.pt")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole.Path, RunFolder.DiagnosisFile)), File.ReadAllText(Path.Combine(killed.Path, RunFolder.DiagnosisFile)));
        // Findings recorded before the kill (the pre-training ones, the plateau) are not reported again.
        Assert.DoesNotContain(printedOnResume, l => l.Contains("[padding-last-step]") || l.Contains("[plateau]"));
    }
}

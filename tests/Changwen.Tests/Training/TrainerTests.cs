using System.Text.Json;
using Changwen.Data;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Tests.Training;

[Collection("torch")]
public sealed class TrainerTests
{
    private static readonly EncodedDataset Train24 = SyntheticCorpus.Create(docsPerClass: 12, maxLen: 24, minLen: 14, seed: 1);
    private static readonly EncodedDataset Val24 = SyntheticCorpus.Create(docsPerClass: 4, maxLen: 24, minLen: 14, seed: 2);

    private static TrainOptions Options(ModelKind kind, int epochs, double lr = 0.01, int batchSize = 8, int patience = 0, bool shuffle = true) => new()
    {
        Model = new ModelOptions { Kind = kind, EmbeddingDim = 16, HiddenDim = 16, PkernelSize = 4 },
        // Plain batches in dataset or shuffled order, no clipping: the mechanics these tests check by hand.
        Optimizer = new OptimizerOptions { Epochs = epochs, Lr = lr, BatchSize = batchSize, Seed = 11, Threads = 1, Patience = patience, Shuffle = shuffle, ClipGradNorm = null, Bucket = false },
    };

    private static TrainingSummary Run(string dir, TrainOptions options, EncodedDataset train, EncodedDataset val, bool resume = false,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default, int? modelSeed = null)
    {
        using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, modelSeed ?? options.Optimizer.Seed);
        return Trainer.Train(model, train, val, options, dir, resume, progress, ct);
    }

    /// <summary>Epoch records without their timings, which differ from run to run.</summary>
    private static List<EpochRecord> Epochs(string dir) =>
        MetricsLog.Read(Path.Combine(dir, RunFolder.MetricsFile)).Epochs.Select(e => e with { Seconds = 0, DocsPerSecond = 0 }).ToList();

    private static List<StepRecord> Steps(string dir) => MetricsLog.Read(Path.Combine(dir, RunFolder.MetricsFile)).Steps;

    private static void AssertSameRun(string expectedDir, string actualDir)
    {
        Assert.Equal(Steps(expectedDir), Steps(actualDir));
        Assert.Equal(Epochs(expectedDir), Epochs(actualDir));
        Assert.Equal(File.ReadAllBytes(Path.Combine(expectedDir, "best.pt")), File.ReadAllBytes(Path.Combine(actualDir, "best.pt")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(expectedDir, "last.pt")), File.ReadAllBytes(Path.Combine(actualDir, "last.pt")));
    }

    [Theory]
    [InlineData(ModelKind.Lstm, 20, 12)]
    [InlineData(ModelKind.Mergenet, 40, 30)]
    public void Each_model_fits_a_separable_corpus_to_full_train_accuracy(ModelKind kind, int maxLen, int minLen)
    {
        using var dir = new TempDir();
        var data = SyntheticCorpus.Create(docsPerClass: 16, maxLen, minLen, seed: 3);
        var options = Options(kind, epochs: 25, lr: 0.01) with { Model = Options(kind, 1).Model with { PkernelSize = 10 } };
        using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, seed: 3);

        var summary = Trainer.Train(model, data, data, options, dir.Path);

        Assert.Equal(1.0, summary.BestValAccuracy);
        Assert.Equal(data.Labels, Predictor.PredictLabels(model, data));
    }

    [Fact]
    public void Metrics_jsonl_holds_a_step_record_per_batch_and_an_epoch_record_per_epoch()
    {
        using var dir = new TempDir();
        var reports = new List<ProgressUpdate>();
        var summary = Run(dir.Path, Options(ModelKind.Lstm, epochs: 2, batchSize: 10), Train24, Val24, progress: new SyncProgress(reports.Add));

        var lines = File.ReadAllLines(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Equal(2 * 4 + 2, lines.Length); // 36 documents in batches of 10: 4 steps per epoch
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("step", first.GetProperty("type").GetString());
        Assert.Equal(1, first.GetProperty("epoch").GetInt32());
        Assert.Equal(1, first.GetProperty("step").GetInt64());
        var epoch = JsonDocument.Parse(lines[4]).RootElement;
        Assert.Equal("epoch", epoch.GetProperty("type").GetString());
        foreach (var field in new[] { "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds", "docs_per_second", "lr" })
            Assert.True(epoch.TryGetProperty(field, out _), field);

        var (steps, epochs) = MetricsLog.Read(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2], steps.Select(s => s.Epoch));
        Assert.All(steps, s => Assert.True(float.IsFinite(s.Loss) && s.Loss > 0));
        // The epoch's train loss is its step losses weighted by batch size (10, 10, 10, 6).
        var weighted = (steps[0].Loss * 10.0 + steps[1].Loss * 10.0 + steps[2].Loss * 10.0 + steps[3].Loss * 6.0) / 36;
        Assert.Equal(weighted, epochs[0].TrainLoss, 5);
        Assert.Equal(0.01, epochs[0].Lr);

        Assert.Equal(2, summary.EpochsRun);
        Assert.True(summary.Finished);
        Assert.Equal(epochs.MaxBy(e => e.ValAccuracy)!.ValAccuracy, summary.BestValAccuracy);
        var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "summary.json"))).RootElement;
        Assert.Equal(summary.BestEpoch, written.GetProperty("best_epoch").GetInt32());
        Assert.True(File.Exists(Path.Combine(dir.Path, "best.pt")) && File.Exists(Path.Combine(dir.Path, "last.pt")));

        Assert.Contains(reports, r => r is { Stage: "epoch 1/2", Done: 3, Total: 4, Message: null });
        Assert.Equal(2, reports.Count(r => r.Message is not null && r.Message.Contains("val loss")));
    }

    [Fact]
    public void A_run_killed_mid_epoch_resumes_to_the_same_metrics_and_weights_as_an_uninterrupted_run()
    {
        using var whole = new TempDir();
        using var killed = new TempDir();
        var options = Options(ModelKind.Mergenet, epochs: 3);
        Run(whole.Path, options, Train24, Val24);

        using var cts = new CancellationTokenSource();
        var stopInEpoch2 = new SyncProgress(r => { if (r is { Stage: "epoch 2/3", Done: 2, Message: null }) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(killed.Path, options, Train24, Val24, progress: stopInEpoch2, ct: cts.Token));
        // What a kill -9 can leave besides: a torn last line and an atomic write's temporary file.
        File.AppendAllText(Path.Combine(killed.Path, "metrics.jsonl"), "{\"type\":\"step\",\"epo");
        File.WriteAllText(Path.Combine(killed.Path, ".best.pt.4242.0123.tmp"), "partial");

        // A differently seeded model proves the weights come from the checkpoint.
        var summary = Run(killed.Path, options, Train24, Val24, resume: true, modelSeed: 999);

        AssertSameRun(whole.Path, killed.Path);
        Assert.Equal(3, summary.EpochsRun);
        Assert.Empty(Directory.GetFiles(killed.Path, "*.tmp"));
    }

    [Fact]
    public void A_run_killed_after_writing_an_epoch_but_before_its_checkpoint_redoes_that_epoch()
    {
        using var whole = new TempDir();
        using var killed = new TempDir();
        var options = Options(ModelKind.Lstm, epochs: 3);
        Run(whole.Path, options, Train24, Val24);

        var checkpoint = Path.Combine(killed.Path, "checkpoint.bin");
        var afterEpoch1 = Path.Combine(killed.Path, "epoch1.bin");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(r =>
        {
            if (r.Message is null) return;
            if (r.Done == 1) File.Copy(checkpoint, afterEpoch1);
            if (r.Done == 2) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(killed.Path, options, Train24, Val24, progress: progress, ct: cts.Token));
        // Epoch 2's metrics and weights are on disk, but the checkpoint rename never happened.
        File.Move(afterEpoch1, checkpoint, overwrite: true);
        Assert.Equal(2, MetricsLog.Read(Path.Combine(killed.Path, "metrics.jsonl")).Epochs.Count);

        Run(killed.Path, options, Train24, Val24, resume: true);

        AssertSameRun(whole.Path, killed.Path);
    }

    [Fact]
    public void Resuming_a_finished_run_with_more_epochs_continues_it_exactly()
    {
        using var whole = new TempDir();
        using var extended = new TempDir();
        Run(whole.Path, Options(ModelKind.Lstm, epochs: 3), Train24, Val24);
        Run(extended.Path, Options(ModelKind.Lstm, epochs: 2), Train24, Val24);

        var again = Run(extended.Path, Options(ModelKind.Lstm, epochs: 2), Train24, Val24, resume: true);
        Assert.Equal(2, again.EpochsRun);
        Assert.Equal(2 * 5, Steps(extended.Path).Count); // 36 documents in batches of 8: 5 steps per epoch

        Run(extended.Path, Options(ModelKind.Lstm, epochs: 3), Train24, Val24, resume: true);
        AssertSameRun(whole.Path, extended.Path);
    }

    [Fact]
    public void Patience_stops_training_after_that_many_epochs_without_a_better_validation_accuracy()
    {
        using var dir = new TempDir();
        // A learning rate this small leaves the predictions, and so the validation accuracy, unchanged.
        var options = Options(ModelKind.Lstm, epochs: 10, lr: 1e-12, patience: 2);

        var summary = Run(dir.Path, options, Train24, Val24);

        Assert.True(summary.StoppedEarly);
        Assert.Equal(3, summary.EpochsRun);
        Assert.Equal(1, summary.BestEpoch);
        Assert.Equal(3, Epochs(dir.Path).Count);
        // Resuming a run that already stopped trains no further.
        Assert.Equal(3, Run(dir.Path, options, Train24, Val24, resume: true).EpochsRun);
        Assert.Equal(3, Epochs(dir.Path).Count);
    }

    [Fact]
    public void Without_shuffle_training_visits_the_rows_in_dataset_order()
    {
        using var whole = new TempDir();
        using var prefix = new TempDir();
        var options = Options(ModelKind.Lstm, epochs: 1, batchSize: 12, shuffle: false);
        var first12 = new EncodedDataset(24, Train24.Ids[..(12 * 24)], Train24.Lengths[..12], Train24.Labels[..12]);

        Run(whole.Path, options, Train24, Val24);
        Run(prefix.Path, options, first12, Val24);

        // The first batch of the whole set is its first 12 rows, so its loss equals that of a set holding only them.
        Assert.Equal(Steps(prefix.Path)[0].Loss, Steps(whole.Path)[0].Loss);
        Assert.Equal(3, Steps(whole.Path).Count);
    }

    [Fact]
    public void Validation_runs_in_eval_mode_and_matches_the_predictor_on_the_saved_weights()
    {
        using var dir = new TempDir();
        var options = Options(ModelKind.Mergenet, epochs: 1);
        using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, seed: 4);
        Trainer.Train(model, Train24, Val24, options, dir.Path);
        var record = Epochs(dir.Path).Single();

        // BatchNorm in train mode would normalise with each batch's statistics (and move its running ones): different numbers.
        var probabilities = Predictor.PredictProbabilities(model, Val24, batchSize: 5);
        var loss = probabilities.Select((p, i) => -Math.Log(p[Val24.Labels[i]])).Average();
        var accuracy = Predictor.PredictLabels(model, Val24).Where((label, i) => label == Val24.Labels[i]).Count() / (double)Val24.Count;
        Assert.Equal(loss, record.ValLoss, 4);
        Assert.Equal(accuracy, record.ValAccuracy);
    }

    [Fact]
    public void A_damaged_checkpoint_is_refused_with_the_file_named()
    {
        using var dir = new TempDir();
        Run(dir.Path, Options(ModelKind.Lstm, epochs: 1), Train24, Val24);
        var checkpoint = Path.Combine(dir.Path, "checkpoint.bin");
        var good = File.ReadAllBytes(checkpoint);

        var flipped = good.ToArray();
        flipped[flipped.Length / 2] ^= 0xFF;
        File.WriteAllBytes(checkpoint, flipped);
        var e = Assert.Throws<UserInputException>(() => Run(dir.Path, Options(ModelKind.Lstm, epochs: 2), Train24, Val24, resume: true));
        Assert.StartsWith(checkpoint + ":", e.Message);
        Assert.Contains("damaged", e.Message);

        File.WriteAllBytes(checkpoint, good[..(good.Length - 10)]);
        Assert.Throws<UserInputException>(() => Run(dir.Path, Options(ModelKind.Lstm, epochs: 2), Train24, Val24, resume: true));

        File.WriteAllBytes(checkpoint, good);
        var changed = Assert.Throws<UserInputException>(() => Run(dir.Path, Options(ModelKind.Lstm, epochs: 2, lr: 0.02), Train24, Val24, resume: true));
        Assert.Contains("different", changed.Message);
    }

    [Fact]
    public void A_folder_holding_a_run_is_refused_unless_resuming()
    {
        using var dir = new TempDir();
        Run(dir.Path, Options(ModelKind.Lstm, epochs: 1), Train24, Val24);
        Assert.Throws<UserInputException>(() => Run(dir.Path, Options(ModelKind.Lstm, epochs: 1), Train24, Val24));
    }
}

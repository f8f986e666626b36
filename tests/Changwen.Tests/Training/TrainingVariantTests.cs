using Changwen.Data;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Tests.Training;

/// <summary>Gradient clipping, length bucketing and the new model options inside the trainer.</summary>
[Collection("torch")]
public sealed class TrainingVariantTests
{
    private static readonly EncodedDataset Train = SyntheticCorpus.Create(docsPerClass: 12, maxLen: 30, minLen: 2, seed: 1);
    private static readonly EncodedDataset Val = SyntheticCorpus.Create(docsPerClass: 4, maxLen: 30, minLen: 2, seed: 2);

    private static TrainOptions Options(int epochs, PoolKind pool = PoolKind.TrueLast, bool bucket = true, double? clip = 0.5) => new()
    {
        Model = new ModelOptions { Kind = ModelKind.Lstm, EmbeddingDim = 16, HiddenDim = 16, Pool = pool, Bidirectional = true, ForgetBias = 1 },
        Optimizer = new OptimizerOptions { Epochs = epochs, Lr = 0.01, BatchSize = 8, Seed = 11, Threads = 1, Bucket = bucket, ClipGradNorm = clip },
    };

    private static TrainingSummary Run(string dir, TrainOptions options, bool resume = false, IProgress<ProgressUpdate>? progress = null,
        CancellationToken ct = default, int? modelSeed = null)
    {
        using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, modelSeed ?? options.Optimizer.Seed);
        return Trainer.Train(model, Train, Val, options, dir, resume, progress, ct);
    }

    private static List<StepRecord> Steps(string dir) => MetricsLog.Read(Path.Combine(dir, RunFolder.MetricsFile)).Steps;

    private static double GradientNorm(TextClassifierModel model) =>
        Math.Sqrt(model.parameters().Where(p => p.grad is not null).Sum(p => p.grad!.pow(2).sum().item<float>()));

    [Fact]
    public void Clipping_bounds_the_gradient_norm_before_the_adam_step()
    {
        set_num_threads(1);
        var options = Options(1);
        using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, seed: 1);
        using var optimizer = new Changwen.Training.Adam(model.parameters(), lr: 0.01);
        using var scope = NewDisposeScope();
        var batch = Batch.Create(Train, Enumerable.Range(0, 16).ToArray());

        var (_, _, unclipped) = Trainer.Step(model, optimizer, batch, clipGradNorm: null);
        Assert.Null(unclipped);
        var free = GradientNorm(model);
        var (_, _, before) = Trainer.Step(model, optimizer, batch, clipGradNorm: 0.01);

        Assert.True(free > 0.01, $"the gradient norm {free} is already small: the test would prove nothing");
        Assert.True(before > 0.01);
        Assert.InRange(GradientNorm(model), 0.0099, 0.0101);
    }

    [Fact]
    public void Clipped_runs_record_each_steps_gradient_norm_and_unclipped_runs_do_not()
    {
        using var clipped = new TempDir();
        using var plain = new TempDir();
        Run(clipped.Path, Options(1));
        Run(plain.Path, Options(1, clip: null));
        Assert.All(Steps(clipped.Path), s => Assert.True(s.GradNorm > 0));
        Assert.All(Steps(plain.Path), s => Assert.Null(s.GradNorm));
        Assert.DoesNotContain("grad_norm", File.ReadAllText(Path.Combine(plain.Path, RunFolder.MetricsFile)));
    }

    [Fact]
    public void A_bucketed_clipped_bidirectional_run_killed_mid_epoch_resumes_to_the_same_result()
    {
        using var whole = new TempDir();
        using var killed = new TempDir();
        var options = Options(3);
        Run(whole.Path, options);

        using var cts = new CancellationTokenSource();
        var stopInEpoch2 = new SyncProgress(r => { if (r is { Stage: "epoch 2/3", Done: 2, Message: null }) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(killed.Path, options, progress: stopInEpoch2, ct: cts.Token));
        Run(killed.Path, options, resume: true, modelSeed: 999);

        Assert.Equal(Steps(whole.Path), Steps(killed.Path));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Path, "last.pt")), File.ReadAllBytes(Path.Combine(killed.Path, "last.pt")));
    }

    [Fact]
    public void Bucketing_changes_the_batches_and_still_trains_every_document()
    {
        using var bucketed = new TempDir();
        using var plain = new TempDir();
        Run(bucketed.Path, Options(1));
        Run(plain.Path, Options(1, bucket: false));
        // Same number of steps (36 documents in batches of 8), different batches.
        Assert.Equal(5, Steps(bucketed.Path).Count);
        Assert.Equal(5, Steps(plain.Path).Count);
        Assert.NotEqual(Steps(plain.Path).Select(s => s.Loss), Steps(bucketed.Path).Select(s => s.Loss));
    }

    [Theory]
    [InlineData("pool")]
    [InlineData("forget-bias")]
    [InlineData("bidirectional")]
    [InlineData("clip")]
    [InlineData("bucket")]
    public void Resuming_with_a_different_new_option_is_refused(string changed)
    {
        using var dir = new TempDir();
        var options = Options(1);
        Run(dir.Path, options);
        var other = changed switch
        {
            "pool" => options with { Model = options.Model with { Pool = PoolKind.Mean } },
            "forget-bias" => options with { Model = options.Model with { ForgetBias = 2 } },
            "bidirectional" => options with { Model = options.Model with { Bidirectional = false } },
            "clip" => options with { Optimizer = options.Optimizer with { ClipGradNorm = 1 } },
            _ => options with { Optimizer = options.Optimizer with { Bucket = false } },
        };
        var error = Assert.Throws<UserInputException>(() => Run(dir.Path, other with { Optimizer = other.Optimizer with { Epochs = 2 } }, resume: true));
        Assert.Contains("checkpoint.bin", error.Message);
    }

    [Fact]
    public void A_non_positive_clipping_norm_is_refused()
    {
        using var dir = new TempDir();
        Assert.Throws<UserInputException>(() => Run(dir.Path, Options(1, clip: 0)));
    }

    [Fact]
    public void True_last_lstm_fits_post_padded_documents_of_very_different_lengths_where_last_does_not()
    {
        // 3 to 60 words in rows of 60: most rows end in dozens of pads.
        var data = SyntheticCorpus.Create(docsPerClass: 16, maxLen: 60, minLen: 3, seed: 3);
        double Fit(PoolKind pool)
        {
            var options = new TrainOptions
            {
                Model = new ModelOptions { Kind = ModelKind.Lstm, EmbeddingDim = 16, HiddenDim = 16, Pool = pool, ForgetBias = null },
                Optimizer = new OptimizerOptions { Epochs = 25, Lr = 0.01, BatchSize = 8, Seed = 3, Threads = 1, ClipGradNorm = null, Bucket = false },
            };
            using var dir = new TempDir();
            using var model = ModelFactory.Create(options.Model, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, seed: 3);
            return Trainer.Train(model, data, data, options, dir.Path).BestValAccuracy;
        }

        Assert.Equal(1.0, Fit(PoolKind.TrueLast));
        Assert.True(Fit(PoolKind.Last) < 0.9); // same data, seed and budget: the pads after the words are what hurts
    }
}

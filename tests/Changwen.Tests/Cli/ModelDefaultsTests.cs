using System.CommandLine;
using Changwen.Bundle;
using Changwen.Cli;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Tests.Pipeline;
using Changwen.Tests.Training;
using Changwen.Training;

namespace Changwen.Tests.Cli;

[Collection("torch")]
public sealed class ModelDefaultsTests
{
    private static (CliOptions Cli, Command Command) TrainLike()
    {
        var cli = new CliOptions();
        var command = new Command("train");
        cli.AddTrainingTo(command);
        return (cli, command);
    }

    [Fact]
    public void Model_fasttext_alone_gets_the_models_plans_settings()
    {
        var (cli, command) = TrainLike();
        var options = cli.Bind(command.Parse("--model fasttext"));
        Assert.Equal((ModelKind.Fasttext, 0.01, 20, (double?)null, false),
            (options.Model.Kind, options.Optimizer.Lr, options.Optimizer.Epochs, options.Optimizer.ClipGradNorm, options.Optimizer.Bucket));
        // Flags given still win over the model's defaults.
        var given = cli.Bind(command.Parse("--model fasttext --lr 0.002 --clip-grad-norm 1 --bucket true"));
        Assert.Equal((0.002, 20, (double?)1.0, true), (given.Optimizer.Lr, given.Optimizer.Epochs, given.Optimizer.ClipGradNorm, given.Optimizer.Bucket));
    }

    [Fact]
    public void Textcnn_gets_dropout_and_no_clipping_and_the_lstm_keeps_its_defaults()
    {
        var (cli, command) = TrainLike();
        var cnn = cli.Bind(command.Parse("--model textcnn"));
        Assert.Equal((0.5, (double?)null), (cnn.Model.Dropout, cnn.Optimizer.ClipGradNorm));
        Assert.Equal(new OptimizerOptions(), cli.Bind(command.Parse("--model lstm")).Optimizer);
        Assert.Equal(ModelKind.Auto, cli.Bind(command.Parse(""), defaultKind: ModelKind.Auto).Model.Kind);
    }

    [Fact]
    public void Help_shows_each_models_default()
    {
        var (cli, _) = TrainLike();
        Assert.Contains("fasttext 0.01", cli.Lr.Description);
        Assert.Contains("fasttext 20", cli.Epochs.Description);
        Assert.Contains("0.001", cli.Lr.Description);
        Assert.Contains("textcnn 0.5", cli.Dropout.Description);
    }

    [Fact]
    public void The_defaults_are_recorded_in_options_json()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 6);
        var (cli, command) = TrainLike();
        var options = cli.Bind(command.Parse("--model fasttext --tokenizer char --max-len 30 --embedding-dim 8 --epochs 2 --threads 1"));
        var runDir = Path.Combine(dir.Path, "run");
        TrainingJob.Run(data, options, runDir, resume: false, cacheDir: "", progress: null, ct: default);
        var saved = RunFolder.ReadOptions(runDir);
        Assert.Equal((0.01, 2, (double?)null, false), (saved.Optimizer.Lr, saved.Optimizer.Epochs, saved.Optimizer.ClipGradNorm, saved.Optimizer.Bucket));
        var json = File.ReadAllText(Path.Combine(runDir, RunFolder.OptionsFile));
        Assert.Contains("\"lr\": 0.01", json);
        Assert.Contains("\"clip_grad_norm\": null", json);
    }

    [Fact]
    public void An_options_json_written_before_these_settings_loads_with_the_values_it_was_trained_with()
    {
        using var dir = new TempDir();
        // A fastText run folder's options.json from before per-model defaults, the linear model and auto: Changwen's
        // defaults of that time (Adam 0.001, 10 epochs, clipping at 1, buckets), and no c, min_df, max_chars or time_budget.
        File.WriteAllText(Path.Combine(dir.Path, RunFolder.OptionsFile), """
            {
              "corpus": { "format": null, "encoding": null, "text_column": null, "label_column": null, "val_fraction": 0.1, "test_fraction": 0.1, "split_seed": 42 },
              "tokenizer": { "kind": "word", "user_dictionary": null, "stop_words": null },
              "vocabulary": { "min_count": 1, "max_vocab": 50000 },
              "encoding": { "max_len": 500, "truncate": "head", "pad": "post" },
              "model": { "kind": "fasttext", "embedding_dim": 128, "hidden_dim": 128, "layer_dim": 1, "init": "default", "kernel_size": 3,
                         "pkernel_size": 10, "pool": "max", "forget_bias": 1, "bidirectional": false, "dropout": 0, "word_ngrams": 2,
                         "ngram_buckets": 20000, "filter_widths": "2,3,4", "filters": 100, "embeddings": null, "freeze_embeddings": false },
              "optimizer": { "lr": 0.001, "batch_size": 64, "epochs": 10, "seed": 42, "threads": 0, "shuffle": true, "patience": 0,
                             "clip_grad_norm": 1, "bucket": true, "class_weight": "none", "sampler": "none" }
            }
            """);
        var options = RunFolder.ReadOptions(dir.Path);
        Assert.Equal(ModelKind.Fasttext, options.Model.Kind);
        Assert.Equal(new OptimizerOptions(), options.Optimizer); // 0.001, 10 epochs, clipping 1, buckets: as trained
        Assert.Equal((null, 2, 200_000), (options.Model.C, options.Model.MinDf, options.Model.MaxChars));
    }
}

using System.CommandLine;
using Changwen.Cli;
using Changwen.Models;

namespace Changwen.Tests.Cli;

public sealed class ModelOptimizerFlagsTests
{
    private static (CliOptions Cli, Command Command) TrainLike()
    {
        var cli = new CliOptions();
        var command = new Command("train");
        cli.AddCorpusTo(command);
        cli.AddTextTo(command);
        cli.AddModelTo(command);
        cli.AddOptimizerTo(command);
        return (cli, command);
    }

    [Fact]
    public void Without_flags_the_model_and_optimizer_options_are_the_records_defaults()
    {
        var (cli, command) = TrainLike();
        var options = cli.Bind(command.Parse([]));
        Assert.Equal(new ModelOptions(), options.Model);
        Assert.Equal(new OptimizerOptions(), options.Optimizer);
    }

    [Fact]
    public void The_default_is_the_fixed_lstm_and_none_and_false_switch_its_parts_off_to_reproduce_the_post()
    {
        var (cli, command) = TrainLike();
        var defaults = cli.Bind(command.Parse([]));
        Assert.Equal((PoolKind.Max, 1.0, 1.0, true),
            (defaults.Model.Pool, defaults.Model.ForgetBias, defaults.Optimizer.ClipGradNorm, defaults.Optimizer.Bucket));

        var result = command.Parse("--pool last --forget-bias none --clip-grad-norm NONE --bucket false");
        Assert.Empty(result.Errors);
        var original = cli.Bind(result);
        Assert.Equal((PoolKind.Last, (double?)null, (double?)null, false),
            (original.Model.Pool, original.Model.ForgetBias, original.Optimizer.ClipGradNorm, original.Optimizer.Bucket));

        var bad = command.Parse("--forget-bias nan");
        Assert.Contains(bad.Errors, e => e.Message == "--forget-bias takes a number or none, got 'nan'");
    }

    [Fact]
    public void Model_and_optimizer_flags_set_their_options()
    {
        var (cli, command) = TrainLike();
        var result = command.Parse(
            "--model mergenet --embedding-dim 32 --hidden-dim 24 --layers 2 --init orthogonal --kernel-size 5 --pool-kernel 8 " +
            "--pool true-last --forget-bias 1 --bidirectional --lr 0.002 --batch-size 16 --epochs 3 --seed 7 --threads 1 " +
            "--no-shuffle --patience 2 --clip-grad-norm 5 --bucket");
        Assert.Empty(result.Errors);
        var options = cli.Bind(result);

        Assert.Equal(new ModelOptions
        {
            Kind = ModelKind.Mergenet, EmbeddingDim = 32, HiddenDim = 24, LayerDim = 2, Init = InitKind.Orthogonal, KernelSize = 5,
            PkernelSize = 8, Pool = PoolKind.TrueLast, ForgetBias = 1, Bidirectional = true,
        }, options.Model);
        Assert.Equal(new OptimizerOptions
        {
            Lr = 0.002, BatchSize = 16, Epochs = 3, Seed = 7, Threads = 1, Shuffle = false, Patience = 2, ClipGradNorm = 5, Bucket = true,
        }, options.Optimizer);
    }

    [Fact]
    public void Small_corpus_model_flags_set_their_options()
    {
        var (cli, command) = TrainLike();
        var result = command.Parse(
            "--model textcnn --dropout 0.5 --word-ngrams 1 --ngram-buckets 5000 --filter-widths 3,4,5 --filters 64 " +
            "--embeddings vectors.txt.gz --freeze-embeddings --class-weight balanced --sampler none");
        Assert.Empty(result.Errors);
        var options = cli.Bind(result);
        Assert.Equal(new ModelOptions
        {
            Kind = ModelKind.Textcnn, Dropout = 0.5, WordNgrams = 1, NgramBuckets = 5000, FilterWidths = "3,4,5", Filters = 64,
            Embeddings = "vectors.txt.gz", FreezeEmbeddings = true,
        }, options.Model);
        // TextCNN's own default: no clipping (ModelDefaults).
        Assert.Equal(new OptimizerOptions { ClassWeight = ClassWeighting.Balanced, ClipGradNorm = null }, options.Optimizer);

        Assert.Equal(ModelKind.Fasttext, cli.Bind(command.Parse("--model fasttext --sampler balanced")).Model.Kind);
        Assert.Equal(SamplerKind.Balanced, cli.Bind(command.Parse("--sampler balanced")).Optimizer.Sampler);
    }

    [Fact]
    public void Flags_not_given_keep_the_starting_options_of_a_plan()
    {
        var (cli, command) = TrainLike();
        var plan = new TrainOptions
        {
            Model = new ModelOptions { HiddenDim = 64, Pool = PoolKind.Mean, ForgetBias = 2 },
            Optimizer = new OptimizerOptions { Epochs = 4, ClipGradNorm = 1 },
        };
        var options = cli.Bind(command.Parse("--epochs 6 --pool max"), plan);
        Assert.Equal(plan.Model with { Pool = PoolKind.Max }, options.Model);
        Assert.Equal(plan.Optimizer with { Epochs = 6 }, options.Optimizer);
    }

    [Fact]
    public void An_unknown_pooling_is_a_parse_error_that_lists_the_choices()
    {
        var (_, command) = TrainLike();
        var error = Assert.Single(command.Parse("--pool first").Errors);
        Assert.Contains("last, true-last, mean, max, attention", error.Message);
    }
}

using System.CommandLine;
using Changwen.Cli.Commands;
using Changwen.Experiments;

namespace Changwen.Tests.Experiments;

public sealed class ExperimentPlanTests
{
    private const string Yaml = """
        description: 体育 and 财经, shorter and longer
        epochs: 3
        defaults:
          tokenizer: char
          max-len: 500
        runs:
          - name: short
            max-len: 50
          - name: long-true-last
            pool: true-last
            bidirectional:
          - name: rate
            lr: [0.0003, 0.01, 1]
            model: mergenet
        """;

    private const string JsonPlan = """
        {
          "description": "体育 and 财经, shorter and longer",
          "epochs": 3,
          "defaults": { "tokenizer": "char", "max-len": 500 },
          "runs": [
            { "name": "short", "max-len": 50 },
            { "name": "long-true-last", "pool": "true-last", "bidirectional": null },
            { "name": "rate", "lr": [0.0003, 0.01, 1], "model": "mergenet" }
          ]
        }
        """;

    private static List<string> Describe(ExperimentPlan plan) =>
        plan.Runs.Select(r => $"{r.Name}: {string.Join(" ", r.Overrides)} | {string.Join(" ", r.Settings)}").ToList();

    [Fact]
    public void Reads_the_same_plan_from_yaml_and_json()
    {
        var yaml = ExperimentPlan.Parse(Yaml, "plan.yaml", json: false);
        var json = ExperimentPlan.Parse(JsonPlan, "plan.json", json: true);

        Assert.Equal(Describe(yaml), Describe(json));
        Assert.Equal("体育 and 财经, shorter and longer", yaml.Description);
        Assert.Equal(["tokenizer=char", "max-len=500", "epochs=3"], yaml.Defaults.Select(d => d.ToString()));
    }

    [Fact]
    public void Defaults_apply_to_every_run_and_a_run_s_own_setting_wins()
    {
        var plan = ExperimentPlan.Parse(Yaml, "plan.yaml", json: false);

        Assert.Equal(
        [
            "short: max-len=50 | tokenizer=char epochs=3 max-len=50",
            "long-true-last: pool=true-last bidirectional | tokenizer=char max-len=500 epochs=3 pool=true-last bidirectional",
            "rate-lr-0.0003: lr=0.0003 model=mergenet | tokenizer=char max-len=500 epochs=3 lr=0.0003 model=mergenet",
            "rate-lr-0.01: lr=0.01 model=mergenet | tokenizer=char max-len=500 epochs=3 lr=0.01 model=mergenet",
            "rate-lr-1: lr=1 model=mergenet | tokenizer=char max-len=500 epochs=3 lr=1 model=mergenet",
        ], Describe(plan));
    }

    [Fact]
    public void Settings_become_the_train_flags_options()
    {
        var plan = ExperimentPlan.Parse("""
            runs:
              - name: every-kind-of-value
                max-len: 500
                pool: true-last
                pad: pre
                bidirectional:
                forget-bias: -1
                no-shuffle: true
                lr: 0.0003
                tokenizer: char
                split-seed: 9
            """, "plan.yaml", json: false);

        var options = Assert.Single(ExperimentCommand.Resolve(plan)).Options;

        var defaults = new TrainOptions();
        Assert.Equal(500, options.Encoding.MaxLen);
        Assert.Equal(PoolKind.TrueLast, options.Model.Pool);
        Assert.Equal(PadSide.Pre, options.Encoding.Pad);
        Assert.True(options.Model.Bidirectional);
        Assert.Equal(-1.0, options.Model.ForgetBias);
        Assert.False(options.Optimizer.Shuffle);
        Assert.Equal(0.0003, options.Optimizer.Lr);
        Assert.Equal(TokenizerKind.Char, options.Tokenizer.Kind);
        Assert.Equal(9, options.Corpus.SplitSeed);
        // Everything the plan does not set keeps the train command's default.
        Assert.Equal(defaults.Model.HiddenDim, options.Model.HiddenDim);
        Assert.Equal(defaults.Optimizer.Epochs, options.Optimizer.Epochs);
        Assert.Equal(defaults.Model.Kind, options.Model.Kind);
    }

    [Theory]
    [InlineData("plan.yaml", "runs:\n  - name: a\n    max-len: 50\n    max-lenn: 60\n", ":4: run 'a': unknown key 'max-lenn'")]
    [InlineData("plan.json", """{"runs": [{"name": "a", "max-lenn": 60}]}""", ": run 'a': unknown key 'max-lenn'")]
    [InlineData("plan.yaml", "defaults:\n  lerning-rate: 1\nruns:\n  - name: a\n", ":2: run 'a': unknown key 'lerning-rate'")]
    [InlineData("plan.yaml", "runs:\n  - name: a\n    max-len: lots\n", ":3: run 'a': Cannot parse argument 'lots'")]
    [InlineData("plan.yaml", "runs:\n  - name: a\n    pool: first\n", ":3: run 'a': --pool: 'first' is not one of last, true-last")]
    public void An_unknown_key_or_a_bad_value_is_one_line_naming_the_plan_file(string fileName, string text, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File(fileName, text);

        var e = Assert.Throws<UserInputException>(() => ExperimentCommand.Resolve(ExperimentPlan.Open(path)));

        Assert.StartsWith(path + expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("runs:\n  - name: a\n    lr: [0.1, 1]\n    max-len: [50, 500]\n", ":4: run 'a' sweeps both 'lr' and 'max-len'")]
    [InlineData("defaults:\n  lr: [0.1, 1]\nruns:\n  - name: a\n", ":2: defaults: 'lr' is a list")]
    [InlineData("runs:\n  - name: a\n  - name: a\n", ":3: two runs are named 'a'")]
    [InlineData("runs:\n  - name: x\n    lr: [1]\n  - name: x-lr-1\n", ":4: two runs are named 'x-lr-1'")]
    [InlineData("runs:\n  - name: ../escape\n", ":2: run name '../escape' cannot be a folder name")]
    [InlineData("runs:\n  - max-len: 50\n", ":2: a run has no name")]
    [InlineData("epochs: 3\n", ":1: has no runs")]
    [InlineData("runs: [\n", ":2: not valid YAML")]
    [InlineData("run:\n  - name: a\n", ":1: unknown plan key 'run'")]
    public void A_malformed_plan_is_refused_with_its_file_and_line(string text, string expected)
    {
        var e = Assert.Throws<UserInputException>(() => ExperimentPlan.Parse(text, "my-plan.yaml", json: false));
        Assert.StartsWith("my-plan.yaml" + expected, e.Message);
    }

    [Fact]
    public void A_plan_may_be_just_the_list_of_runs()
    {
        var plan = ExperimentPlan.Parse("- {name: a, max-len: 50}\n- {name: b}\n", "p.yaml", json: false);
        Assert.Equal(["a", "b"], plan.Runs.Select(r => r.Name));
        Assert.Empty(plan.Runs[1].Settings);
    }

    [Fact]
    public void Only_selects_runs_by_name_or_pattern_and_refuses_a_name_it_does_not_have()
    {
        var plan = ExperimentPlan.BuiltIn("seed");

        Assert.Equal(["lstm-50"], plan.Select(["lstm-50"]).Select(r => r.Name));
        Assert.Equal(6, plan.Select(["lstm-500-lr-*"]).Count);
        Assert.Equal(plan.Runs, plan.Select([]));
        var e = Assert.Throws<UserInputException>(() => plan.Select(["lstm-5000"]));
        Assert.StartsWith("seed: has no run named 'lstm-5000'", e.Message);
    }

    [Fact]
    public void Built_in_seed_plan_holds_the_post_s_runs()
    {
        var runs = ExperimentCommand.Resolve(ExperimentPlan.Open("seed")).ToDictionary(r => r.Name, r => r.Options);

        Assert.Equal(
            ["lstm-500", "lstm-500-orthogonal", "lstm-50", "lstm-500-lr-0.0003", "lstm-500-lr-0.001", "lstm-500-lr-0.003",
             "lstm-500-lr-0.01", "lstm-500-lr-0.1", "lstm-500-lr-1", "mergenet-500", "mergenet-3000"], runs.Keys);
        foreach (var o in runs.Values)
        {
            Assert.Equal(TokenizerKind.Word, o.Tokenizer.Kind);
            Assert.Equal(PadSide.Post, o.Encoding.Pad);
            Assert.Equal(PoolKind.Last, o.Model.Pool);
        }
        Assert.Equal((ModelKind.Lstm, 500, InitKind.Default, 0.001), Key(runs["lstm-500"]));
        Assert.Equal((ModelKind.Lstm, 500, InitKind.Orthogonal, 0.001), Key(runs["lstm-500-orthogonal"]));
        Assert.Equal((ModelKind.Lstm, 50, InitKind.Default, 0.001), Key(runs["lstm-50"]));
        Assert.Equal([0.0003, 0.001, 0.003, 0.01, 0.1, 1],
            runs.Where(r => r.Key.StartsWith("lstm-500-lr-")).Select(r => r.Value.Optimizer.Lr));
        Assert.Equal((ModelKind.Mergenet, 500, 3, 10), Merge(runs["mergenet-500"]));
        Assert.Equal((ModelKind.Mergenet, 3000, 3, 20), Merge(runs["mergenet-3000"]));

        static (ModelKind, int, InitKind, double) Key(TrainOptions o) => (o.Model.Kind, o.Encoding.MaxLen, o.Model.Init, o.Optimizer.Lr);
        static (ModelKind, int, int, int) Merge(TrainOptions o) => (o.Model.Kind, o.Encoding.MaxLen, o.Model.KernelSize, o.Model.PkernelSize);
    }

    [Fact]
    public void Built_in_fixes_plan_tries_each_fix_alone_at_500_and_3000_words_and_together()
    {
        var runs = ExperimentCommand.Resolve(ExperimentPlan.Open("fixes"));
        // The post's LSTM: Changwen's defaults with the fixes switched off.
        var defaults = new TrainOptions();
        var original = defaults with
        {
            Model = defaults.Model with { Pool = PoolKind.Last, ForgetBias = null },
            Optimizer = defaults.Optimizer with { ClipGradNorm = null, Bucket = false },
        };
        // The combination is what Changwen trains when no flag is given.
        Assert.Equal(defaults, Assert.Single(runs, r => r.Name == "lstm-500-best-max").Options);

        // The one thing each run changes from the original LSTM at that length.
        var fixes = new (string Suffix, Func<TrainOptions, TrainOptions> Apply)[]
        {
            ("pool-last", o => o),
            ("pool-true-last", o => o with { Model = o.Model with { Pool = PoolKind.TrueLast } }),
            ("pool-mean", o => o with { Model = o.Model with { Pool = PoolKind.Mean } }),
            ("pool-max", o => o with { Model = o.Model with { Pool = PoolKind.Max } }),
            ("pool-attention", o => o with { Model = o.Model with { Pool = PoolKind.Attention } }),
            ("pad-pre", o => o with { Encoding = o.Encoding with { Pad = PadSide.Pre } }),
            ("forget-bias-1", o => o with { Model = o.Model with { ForgetBias = 1 } }),
            ("bidirectional-true-last", o => o with { Model = o.Model with { Bidirectional = true, Pool = PoolKind.TrueLast } }),
            ("clip-1", o => o with { Optimizer = o.Optimizer with { ClipGradNorm = 1 } }),
            ("bucket", o => o with { Optimizer = o.Optimizer with { Bucket = true } }),
            ("best", o => o with
            {
                Model = o.Model with { Pool = PoolKind.TrueLast, ForgetBias = 1 },
                Optimizer = o.Optimizer with { Bucket = true, ClipGradNorm = 1 },
            }),
            ("best-mean", o => o with
            {
                Model = o.Model with { Pool = PoolKind.Mean, ForgetBias = 1 },
                Optimizer = o.Optimizer with { Bucket = true, ClipGradNorm = 1 },
            }),
            ("best-max", o => o with
            {
                Model = o.Model with { Pool = PoolKind.Max, ForgetBias = 1 },
                Optimizer = o.Optimizer with { Bucket = true, ClipGradNorm = 1 },
            }),
        };
        foreach (var maxLen in new[] { 500, 3000 })
        {
            var baseline = original with { Encoding = original.Encoding with { MaxLen = maxLen } };
            foreach (var (suffix, apply) in fixes)
            {
                var run = Assert.Single(runs, r => r.Name == $"lstm-{maxLen}-{suffix}");
                Assert.Equal(apply(baseline), run.Options);
            }
        }
        var mergenet = Assert.Single(runs, r => r.Name == "mergenet-500").Options;
        Assert.Equal((ModelKind.Mergenet, 500, 3, 10), (mergenet.Model.Kind, mergenet.Encoding.MaxLen, mergenet.Model.KernelSize, mergenet.Model.PkernelSize));
        var shuffled = Assert.Single(runs, r => r.Name == "lstm-50-shuffled").Options;
        var ordered = Assert.Single(runs, r => r.Name == "lstm-50-no-shuffle").Options;
        Assert.Equal(original with { Encoding = original.Encoding with { MaxLen = 50 } }, shuffled);
        Assert.Equal(shuffled with { Optimizer = shuffled.Optimizer with { Shuffle = false } }, ordered);
        Assert.Equal(2 * fixes.Length + 3, runs.Count);
    }

    [Fact]
    public void Built_in_models_plan_trains_the_small_corpus_models_with_and_without_balanced_class_weights()
    {
        var runs = ExperimentCommand.Resolve(ExperimentPlan.Open("models")).ToDictionary(r => r.Name, r => r.Options);
        Assert.All(runs.Values, o => Assert.Equal(TokenizerKind.Word, o.Tokenizer.Kind));
        Assert.All(runs.Where(r => r.Key != "fasttext-3000").Select(r => r.Value), o => Assert.Equal(500, o.Encoding.MaxLen));
        Assert.Equal(runs["fasttext-class-weight-none"] with { Encoding = runs["fasttext-class-weight-none"].Encoding with { MaxLen = 3000 } },
            runs["fasttext-3000"]);
        Assert.Equal(PoolKind.Last, runs["mergenet-500"].Model.Pool);
        foreach (var name in new[] { "fasttext", "textcnn", "lstm-500-fixed" })
        {
            Assert.Equal(ClassWeighting.None, runs[$"{name}-class-weight-none"].Optimizer.ClassWeight);
            Assert.Equal(ClassWeighting.Balanced, runs[$"{name}-class-weight-balanced"].Optimizer.ClassWeight);
        }
        var fasttext = runs["fasttext-class-weight-none"];
        Assert.Equal((ModelKind.Fasttext, 2, 0.01, 20), (fasttext.Model.Kind, fasttext.Model.WordNgrams, fasttext.Optimizer.Lr, fasttext.Optimizer.Epochs));
        // fastText and TextCNN as measured: no clipping; fastText in plain shuffled batches.
        Assert.Equal(((double?)null, false), (fasttext.Optimizer.ClipGradNorm, fasttext.Optimizer.Bucket));
        Assert.Null(runs["textcnn-class-weight-none"].Optimizer.ClipGradNorm);
        Assert.Equal(1, runs["fasttext-words-only"].Model.WordNgrams);
        Assert.Equal(100_000, runs["fasttext-ngram-buckets-100000"].Model.NgramBuckets);
        var textcnn = runs["textcnn-class-weight-none"];
        Assert.Equal((ModelKind.Textcnn, "2,3,4", 100, 0.5, true), (textcnn.Model.Kind, textcnn.Model.FilterWidths, textcnn.Model.Filters, textcnn.Model.Dropout, textcnn.Optimizer.Bucket));
        Assert.Equal(ModelKind.Mergenet, runs["mergenet-500"].Model.Kind);
        var lstm = runs["lstm-500-fixed-class-weight-none"];
        // The fixed LSTM is Changwen's default configuration at 500 words, with the mean pooling it was measured with.
        var defaults = new TrainOptions();
        Assert.Equal(defaults with { Tokenizer = lstm.Tokenizer, Model = defaults.Model with { Pool = PoolKind.Mean } }, lstm);
    }

    [Fact]
    public void Show_prints_the_plan_and_each_run_s_flags_and_list_names_the_built_in_plans()
    {
        var (code, output) = Invoke("experiment", "seed", "--show");
        Assert.Equal(0, code);
        Assert.StartsWith("# The runs of the original blog post", output);
        Assert.Contains("#   mergenet-3000", output);
        Assert.Contains("--model mergenet --max-len 3000 --kernel-size 3 --pool-kernel 20", output);
        // What --show prints is itself a plan: the same runs come back from it.
        var reread = ExperimentPlan.Parse(output, "shown.yaml", json: false);
        Assert.Equal(Describe(ExperimentPlan.BuiltIn("seed")), Describe(reread));

        (code, output) = Invoke("experiment", "--list");
        Assert.Equal(0, code);
        Assert.Contains("fixes", output);
        Assert.Contains("seed ", output);
    }

    private static (int Code, string Output) Invoke(params string[] args)
    {
        var root = new RootCommand { ExperimentCommand.Create() };
        var output = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter(), EnableDefaultExceptionHandler = false });
        return (code, output.ToString());
    }
}

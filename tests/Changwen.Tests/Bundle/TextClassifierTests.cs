using Changwen.Bundle;
using Changwen.Data;
using Changwen.IO;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Tests.Bundle;

[Collection("torch")]
public sealed class TextClassifierTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private IReadOnlyList<string> TestTexts => run.TestDocuments.Select(d => d.Text).ToArray();

    [Fact]
    public void Loaded_classifier_predicts_what_the_trained_model_predicted()
    {
        using var classifier = TextClassifier.Load(run.RunDir);

        var probabilities = classifier.PredictProbabilities(TestTexts);

        Assert.Equal(run.Probabilities.Length, probabilities.Length);
        for (var i = 0; i < probabilities.Length; i++)
            for (var c = 0; c < classifier.Labels.Count; c++)
                Assert.Equal(run.Probabilities[i][c], probabilities[i][c], 5);
        var predictions = classifier.PredictBatch(TestTexts);
        Assert.Equal(run.Probabilities.Select(p => classifier.Labels[Array.IndexOf(p, p.Max())]), predictions.Select(p => p.Label));
        Assert.Equal(["体育", "科技", "财经"], classifier.Labels);
        Assert.NotNull(classifier.Summary);
        Assert.True(classifier.Summary!.Finished);
    }

    [Fact]
    public void An_options_file_from_before_the_fixed_defaults_reads_as_the_settings_it_was_trained_with()
    {
        using var dir = new TempDir();
        // What Changwen wrote before pool, forget bias, clipping and bucketing existed: none of their keys.
        File.WriteAllText(Path.Combine(dir.Path, RunFolder.OptionsFile), """
            {"encoding": {"max_len": 500, "truncate": "head", "pad": "post"},
             "model": {"kind": "mergenet", "embedding_dim": 128, "hidden_dim": 128},
             "optimizer": {"lr": 0.001, "batch_size": 64}}
            """);
        var options = RunFolder.ReadOptions(dir.Path);
        Assert.Equal((PoolKind.Last, (double?)null, (double?)null, false),
            (options.Model.Pool, options.Model.ForgetBias, options.Optimizer.ClipGradNorm, options.Optimizer.Bucket));

        // Keys that are present win, and a file written today round-trips.
        RunFolder.WriteOptions(dir.Path, new TrainOptions());
        Assert.Equal(new TrainOptions(), RunFolder.ReadOptions(dir.Path));
    }

    [Fact]
    public void A_moved_bundle_loads_and_predicts_identically()
    {
        var moved = TinyRun.Copy(run.RunDir, run.Scratch("moved"));
        using var original = TextClassifier.Load(run.RunDir);
        using var copy = TextClassifier.Load(moved);

        Assert.Equal(original.PredictProbabilities(TestTexts), copy.PredictProbabilities(TestTexts));
    }

    [Fact]
    public void A_format_1_bundle_still_loads_and_a_newer_one_is_refused_with_the_update_command()
    {
        var old = TinyRun.Copy(run.RunDir, run.Scratch("format-1"));
        File.WriteAllText(Path.Combine(old, RunFolder.FormatFile), Json.Serialize(RunFolder.ReadFormat(old) with { FormatVersion = 1 }));
        using (var classifier = TextClassifier.Load(old))
        using (var original = TextClassifier.Load(run.RunDir))
            Assert.Equal(original.PredictProbabilities(["国家队在决赛中获胜"])[0], classifier.PredictProbabilities(["国家队在决赛中获胜"])[0]);

        var newer = TinyRun.Copy(run.RunDir, run.Scratch("format-next"));
        File.WriteAllText(Path.Combine(newer, RunFolder.FormatFile), Json.Serialize(RunFolder.ReadFormat(newer) with { FormatVersion = RunFolder.FormatVersion + 1 }));
        var error = Assert.Throws<UserInputException>(() => TextClassifier.Load(newer));
        Assert.Contains("dotnet tool update changwen", error.Message);
    }

    [Fact]
    public void Concurrent_callers_get_the_same_predictions_as_one_caller()
    {
        using var classifier = TextClassifier.Load(run.RunDir);
        var texts = TestTexts;
        var sequential = texts.Select(t => classifier.Predict(t, topK: 2)).ToArray();

        var results = new Prediction[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
            results[worker] = (worker % 2 == 0 ? texts : texts.Reverse()).Select(t => classifier.Predict(t, topK: 2)).ToArray());

        for (var worker = 0; worker < 4; worker++)
        {
            var ordered = worker % 2 == 0 ? results[worker] : results[worker].Reverse().ToArray();
            for (var i = 0; i < texts.Count; i++)
            {
                Assert.Equal(sequential[i].Label, ordered[i].Label);
                Assert.Equal(sequential[i].Top, ordered[i].Top);
            }
        }
    }

    [Fact]
    public void Top_k_lists_the_most_probable_labels_first_and_stops_at_the_class_count()
    {
        using var classifier = TextClassifier.Load(run.RunDir);
        var all = classifier.PredictProbabilities(["球赛冠军进攻"])[0];

        var top2 = classifier.Predict("球赛冠军进攻", topK: 2);
        var top9 = classifier.Predict("球赛冠军进攻", topK: 9);

        Assert.Equal(2, top2.Top.Count);
        Assert.Equal(3, top9.Top.Count);
        Assert.Equal(all.Max(), top2.Probability);
        Assert.Equal(top2.Label, top2.Top[0].Label);
        Assert.True(top9.Top[0].Probability >= top9.Top[1].Probability && top9.Top[1].Probability >= top9.Top[2].Probability);
        Assert.Equal(1.0, top9.Top.Sum(t => t.Probability), 4);
        Assert.Equal(classifier.Labels.Order(), top9.Top.Select(t => t.Label).Order());
    }

    [Fact]
    public void Empty_text_is_predicted_and_overlong_text_is_truncated_as_in_training()
    {
        using var classifier = TextClassifier.Load(run.RunDir);
        var maxLen = classifier.Options.Encoding.MaxLen;
        var head = string.Concat(Enumerable.Repeat("股市银行", maxLen / 4));
        Assert.Equal(maxLen, head.Length);

        var empty = classifier.Predict("");
        var truncated = classifier.PredictProbabilities([head + string.Concat(Enumerable.Repeat("球赛冠军", 50))])[0];

        Assert.True(float.IsFinite(empty.Probability) && empty.Probability > 0);
        Assert.Equal(classifier.PredictProbabilities([head])[0], truncated); // head truncation keeps the first MaxLen characters
    }

    [Theory]
    [InlineData(ModelKind.Lstm)]
    [InlineData(ModelKind.Mergenet)]
    public void Both_models_take_an_all_padding_row_of_length_zero(ModelKind kind)
    {
        using var model = ModelFactory.Create(TinyRun.Options(kind).Model, vocabSize: 10, numClasses: 3, seed: 1);
        var emptyRow = new EncodedDataset(maxLen: 24, ids: new int[24], lengths: [0], labels: [0]);

        var probabilities = Predictor.PredictProbabilities(model, emptyRow)[0];

        Assert.All(probabilities, p => Assert.True(float.IsFinite(p)));
        Assert.Equal(1.0, probabilities.Sum(), 4);
    }

    [Fact]
    public void A_relative_stop_word_file_is_read_from_the_run_folder()
    {
        var dir = TinyRun.Copy(run.RunDir, run.Scratch("stop-words"));
        var options = RunFolder.ReadOptions(dir);
        RunFolder.WriteOptions(dir, options with { Tokenizer = options.Tokenizer with { StopWords = RunFolder.StopWordsFile } });
        File.WriteAllText(Path.Combine(dir, RunFolder.StopWordsFile), "球\n赛\n");

        using var classifier = TextClassifier.Load(dir);

        Assert.Equal(classifier.PredictProbabilities([""])[0], classifier.PredictProbabilities(["球赛 球"])[0]);
        Assert.Equal(classifier.PredictProbabilities(["股市"])[0], classifier.PredictProbabilities(["球股赛市"])[0]);

        File.Delete(Path.Combine(dir, RunFolder.StopWordsFile));
        var error = Assert.Throws<UserInputException>(() => TextClassifier.Load(dir));
        Assert.Contains(Path.Combine(dir, RunFolder.StopWordsFile), error.Message);
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "truncate best.pt", RunFolder.BestWeights },
        { "delete best.pt", RunFolder.BestWeights },
        { "delete vocab.tsv", RunFolder.VocabularyFile },
        { "add a word to vocab.tsv", RunFolder.BestWeights }, // the weights no longer fit the vocabulary size
        { "damage options.json", RunFolder.OptionsFile },
        { "null model section", RunFolder.OptionsFile },
        { "negative hidden size", RunFolder.OptionsFile },
        { "version 99", RunFolder.FormatFile },
        { "delete format.json", RunFolder.FormatFile },
        { "one label", RunFolder.LabelsFile },
        { "damage labels.json", RunFolder.LabelsFile },
        { "damage summary.json", RunFolder.SummaryFile },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_bundle_is_refused_with_one_line_naming_the_file(string damage, string blamed)
    {
        var dir = TinyRun.Copy(run.RunDir, run.Scratch("damaged"));
        string PathOf(string name) => Path.Combine(dir, name);
        switch (damage)
        {
            case "truncate best.pt":
                var bytes = File.ReadAllBytes(PathOf(RunFolder.BestWeights));
                File.WriteAllBytes(PathOf(RunFolder.BestWeights), bytes[..(bytes.Length / 2)]);
                break;
            case "delete best.pt": File.Delete(PathOf(RunFolder.BestWeights)); break;
            case "delete vocab.tsv": File.Delete(PathOf(RunFolder.VocabularyFile)); break;
            case "add a word to vocab.tsv": File.AppendAllText(PathOf(RunFolder.VocabularyFile), "新词\t1\n"); break;
            case "damage options.json": File.WriteAllText(PathOf(RunFolder.OptionsFile), File.ReadAllText(PathOf(RunFolder.OptionsFile))[..40]); break;
            case "null model section":
                File.WriteAllText(PathOf(RunFolder.OptionsFile), File.ReadAllText(PathOf(RunFolder.OptionsFile)).Replace("\"model\": {", "\"model\": null, \"unused\": {"));
                break;
            case "negative hidden size":
                var options = RunFolder.ReadOptions(dir);
                RunFolder.WriteOptions(dir, options with { Model = options.Model with { HiddenDim = -4 } });
                break;
            case "version 99": File.WriteAllText(PathOf(RunFolder.FormatFile), Json.Serialize(RunFolder.ReadFormat(dir) with { FormatVersion = 99 })); break;
            case "delete format.json": File.Delete(PathOf(RunFolder.FormatFile)); break;
            case "one label": File.WriteAllText(PathOf(RunFolder.LabelsFile), "[\"体育\"]"); break;
            case "damage labels.json": File.WriteAllText(PathOf(RunFolder.LabelsFile), "[\"体育\", "); break;
            case "damage summary.json": File.WriteAllText(PathOf(RunFolder.SummaryFile), "{\"best_val_accuracy\": "); break;
            default: throw new ArgumentException(damage);
        }

        var error = Assert.Throws<UserInputException>(() => TextClassifier.Load(dir));

        Assert.StartsWith(PathOf(blamed) + ":", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}

using System.Text.Json;
using Changwen.Bundle;
using Changwen.Data;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Tests.Pipeline;
using Changwen.Text;
using Changwen.Training;

namespace Changwen.Tests.Training;

/// <summary>The models and options of issue 6 through the whole path: TrainingJob, run folder, TextClassifier.</summary>
[Collection("torch")]
public sealed class NewModelsJobTests
{
    private static TrainOptions Options(ModelOptions model, OptimizerOptions? optimizer = null) => TinyCorpus.Options(epochs: 2) with
    {
        Model = model,
        Optimizer = (optimizer ?? TinyCorpus.Options().Optimizer) with { Epochs = 2 },
    };

    [Theory]
    [InlineData(ModelKind.Fasttext)]
    [InlineData(ModelKind.Textcnn)]
    public void Trains_evaluates_and_predicts_with_the_new_model(ModelKind kind)
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var runDir = Path.Combine(dir.Path, "run");
        var options = Options(new ModelOptions
        {
            Kind = kind, EmbeddingDim = 16, NgramBuckets = 500, FilterWidths = "2,3", Filters = 8, Dropout = 0.2,
        }, TinyCorpus.Options().Optimizer with { ClassWeight = ClassWeighting.Balanced, Bucket = true });

        var result = TrainingJob.Run(data, options, runDir, resume: false, cacheDir: "", progress: null, ct: default);

        Assert.Equal(kind, result.Summary.Model);
        Assert.Equal(2, result.Summary.EpochsRun);
        Assert.NotNull(result.TestReport);
        // options.json holds every new field, so the run folder reloads the same network.
        var saved = RunFolder.ReadOptions(runDir);
        Assert.Equal(options, saved);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, RunFolder.OptionsFile)));
        var model = json.RootElement.GetProperty("model");
        Assert.Equal(kind == ModelKind.Fasttext ? "fasttext" : "textcnn", model.GetProperty("kind").GetString());
        Assert.Equal("2,3", model.GetProperty("filter_widths").GetString());
        Assert.Equal(500, model.GetProperty("ngram_buckets").GetInt32());
        Assert.Equal("balanced", json.RootElement.GetProperty("optimizer").GetProperty("class_weight").GetString());

        using var classifier = TextClassifier.Load(runDir);
        var prediction = classifier.Predict(new string('球', 10) + "的了" + new string('赛', 8), topK: 3);
        Assert.Contains(prediction.Label, TinyCorpus.ClassCharacters.Keys);
        Assert.Equal(3, prediction.Top.Count);
    }

    [Fact]
    public void Pretrained_vectors_are_loaded_their_coverage_recorded_and_the_run_resumes_without_the_file()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var runDir = Path.Combine(dir.Path, "run");
        // Vectors for the sports and finance characters and a word the corpus lacks; none for 科技's characters.
        var lines = "球赛队员冠军跑跳泳股价银行利率债券".Select((c, i) => $"{c} {string.Join(' ', Enumerable.Range(0, 16).Select(d => ((i + d) % 7 * 0.1).ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
        var vectors = dir.File("vectors.txt", $"18 16\n{string.Join('\n', lines)}\n外 {string.Join(' ', Enumerable.Repeat("1", 16))}\n");
        var options = Options(new ModelOptions { Kind = ModelKind.Fasttext, EmbeddingDim = 16, NgramBuckets = 500, Embeddings = vectors, FreezeEmbeddings = true });
        var messages = new List<string>();

        var first = TrainingJob.Run(data, options with { Optimizer = options.Optimizer with { Epochs = 1 } }, runDir, resume: false, cacheDir: "",
            progress: new SyncProgress(u => { if (u.Message is not null) messages.Add(u.Message); }), ct: default);

        var record = JsonSerializer.Deserialize<EmbeddingsRecord>(File.ReadAllText(Path.Combine(runDir, RunFolder.EmbeddingsFile)), Changwen.IO.Json.Options)!;
        var vocab = Vocabulary.Load(Path.Combine(runDir, RunFolder.VocabularyFile));
        Assert.Equal(vocab.Count - 2, record.VocabularyWords);
        Assert.Equal(17, record.Found); // every character of the file except 外
        Assert.Equal(18, record.VectorsInFile);
        Assert.Equal((double)record.Found / record.VocabularyWords, record.WordShare, 9);
        Assert.InRange(record.TokenShare, 0.3, 0.9); // the filler and 科技 characters have no vector
        Assert.True(record.Frozen);
        Assert.Contains(messages, m => m.StartsWith($"word vectors: 17 of {record.VocabularyWords} vocabulary words", StringComparison.Ordinal));

        // Frozen: the trained word embeddings still hold the file's vectors.
        using (var classifier = TextClassifier.Load(runDir)) Assert.NotNull(classifier);
        var weights = Changwen.Models.ModelFactory.Load(Path.Combine(runDir, RunFolder.BestWeights), RunFolder.ReadOptions(runDir).Model, vocab.Count, 3);
        using (weights)
        {
            var row = weights.WordEmbeddings[vocab.IdOf("球")].data<float>().ToArray();
            Assert.Equal(Enumerable.Range(0, 16).Select(d => (float)(d % 7 * 0.1)), row, new FloatClose());
        }

        // Resuming reads the weights from the checkpoint, not the vector file.
        File.Delete(vectors);
        var resumedOptions = RunFolder.ReadOptions(runDir);
        File.WriteAllText(Path.Combine(runDir, RunFolder.OptionsFile),
            Changwen.IO.Json.Serialize(resumedOptions with { Optimizer = resumedOptions.Optimizer with { Epochs = 2 } }));
        var resumed = TrainingJob.Run(data, options, runDir, resume: true, cacheDir: "", progress: null, ct: default);
        Assert.Equal(2, resumed.Summary.EpochsRun);
        Assert.Equal(1, first.Summary.EpochsRun);
    }

    [Fact]
    public void Freezing_without_vectors_and_contradictory_balancing_are_refused_before_training()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 5);
        var freeze = Options(new ModelOptions { Kind = ModelKind.Fasttext, FreezeEmbeddings = true });
        Assert.StartsWith("--freeze-embeddings keeps pretrained vectors fixed, but no --embeddings FILE was given",
            Assert.Throws<UserInputException>(() => TrainingJob.Run(data, freeze, Path.Combine(dir.Path, "a"), false, "", null, default)).Message);
        var both = Options(new ModelOptions { Kind = ModelKind.Fasttext, NgramBuckets = 100 },
            TinyCorpus.Options().Optimizer with { ClassWeight = ClassWeighting.Balanced, Sampler = SamplerKind.Balanced });
        Assert.Contains("Use one of them",
            Assert.Throws<UserInputException>(() => TrainingJob.Run(data, both, Path.Combine(dir.Path, "b"), false, "", null, default)).Message);
        var widths = Options(new ModelOptions { Kind = ModelKind.Textcnn, FilterWidths = "2,x" });
        Assert.Equal("filter widths must be comma-separated positive integers, got '2,x'. Pass e.g. 2,3,4",
            Assert.Throws<UserInputException>(() => TrainingJob.Run(data, widths, Path.Combine(dir.Path, "c"), false, "", null, default)).Message);
    }

    [Fact]
    public void A_balanced_sampler_run_trains_and_resumes_to_the_same_metrics()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var options = Options(new ModelOptions { Kind = ModelKind.Textcnn, EmbeddingDim = 8, FilterWidths = "2,3", Filters = 4 },
            TinyCorpus.Options().Optimizer with { Sampler = SamplerKind.Balanced, Bucket = true }) with { };
        var whole = Path.Combine(dir.Path, "whole");
        TrainingJob.Run(data, options, whole, false, "", null, default);

        var split = Path.Combine(dir.Path, "split");
        TrainingJob.Run(data, options with { Optimizer = options.Optimizer with { Epochs = 1 } }, split, false, "", null, default);
        var saved = RunFolder.ReadOptions(split);
        File.WriteAllText(Path.Combine(split, RunFolder.OptionsFile), Changwen.IO.Json.Serialize(saved with { Optimizer = saved.Optimizer with { Epochs = 2 } }));
        TrainingJob.Run(data, options, split, true, "", null, default);

        static List<double> Losses(string run) => MetricsLog.Read(Path.Combine(run, RunFolder.MetricsFile)).Steps.Select(s => (double)s.Loss).ToList();
        Assert.Equal(Losses(whole), Losses(split));
    }

    [Fact]
    public void The_resume_fingerprint_of_options_at_their_defaults_leaves_the_new_fields_out()
    {
        var data = SyntheticCorpus.Create(docsPerClass: 2, maxLen: 5, minLen: 2, seed: 1);
        var plain = Trainer.Fingerprint(new TrainOptions(), data, data);
        foreach (var name in new[] { "dropout", "word_ngrams", "ngram_buckets", "filter_widths", "filters", "embeddings", "class_weight", "sampler" })
            Assert.DoesNotContain($"\"{name}\"", plain);
        var changed = Trainer.Fingerprint(new TrainOptions { Model = new ModelOptions { Dropout = 0.5 }, Optimizer = new OptimizerOptions { Sampler = SamplerKind.Balanced } }, data, data);
        Assert.Contains("\"dropout\":0.5", changed);
        Assert.Contains("\"sampler\":\"balanced\"", changed);
    }

    private sealed class FloatClose : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) < 1e-6;
        public int GetHashCode(float value) => 0;
    }
}

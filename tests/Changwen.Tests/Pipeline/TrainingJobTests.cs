using System.Text.Json;
using Changwen.Bundle;
using Changwen.Data;
using Changwen.Evaluation;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Training;
using Changwen.Tests.Training;

namespace Changwen.Tests.Pipeline;

/// <summary>
/// A tiny three-class corpus on disk, folder per class: every class has its own characters, mixed with shared filler,
/// so a character model separates the classes within a few epochs.
/// </summary>
public static class TinyCorpus
{
    public static readonly IReadOnlyDictionary<string, string> ClassCharacters = new Dictionary<string, string>
    {
        ["体育"] = "球赛队员冠军跑跳泳",
        ["财经"] = "股价银行利率债券",
        ["科技"] = "芯片网络算法程序",
    };

    private const string Filler = "的了是在和有也就都";

    /// <summary>Writes <paramref name="perClass"/> documents per class under <paramref name="root"/> (or root/part when given).</summary>
    public static string Write(string root, int perClass = 20, int seed = 7, string? part = null)
    {
        var random = new Random(seed);
        foreach (var (label, chars) in ClassCharacters)
        {
            var folder = part is null ? Path.Combine(root, label) : Path.Combine(root, part, label);
            Directory.CreateDirectory(folder);
            for (var i = 0; i < perClass; i++)
            {
                var length = random.Next(12, 30);
                var text = new char[length];
                for (var t = 0; t < length; t++)
                    text[t] = random.Next(3) == 0 ? Filler[random.Next(Filler.Length)] : chars[random.Next(chars.Length)];
                File.WriteAllText(Path.Combine(folder, $"{i:D3}.txt"), new string(text));
            }
        }
        return root;
    }

    /// <summary>Small, fast options: characters, short rows, a small LSTM, one thread.</summary>
    public static TrainOptions Options(int epochs = 3) => new()
    {
        Tokenizer = new TokenizerOptions { Kind = TokenizerKind.Char },
        Encoding = new EncodingOptions { MaxLen = 30 },
        Model = new ModelOptions { Kind = ModelKind.Lstm, EmbeddingDim = 16, HiddenDim = 16 },
        Optimizer = new OptimizerOptions { Epochs = epochs, Lr = 0.01, BatchSize = 8, Seed = 5, Threads = 1 },
    };
}

[Collection("torch")]
public sealed class TrainingJobTests
{
    private static TrainingJobResult Run(string data, string runDir, TrainOptions options, bool resume = false,
        IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default) =>
        TrainingJob.Run(data, options, runDir, resume, cacheDir: "", progress, ct);

    private static List<EpochRecord> Epochs(string runDir) =>
        MetricsLog.Read(Path.Combine(runDir, RunFolder.MetricsFile)).Epochs.Select(e => e with { Seconds = 0, DocsPerSecond = 0 }).ToList();

    [Fact]
    public void Trains_a_self_contained_run_folder_with_test_report_and_curves()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var runDir = Path.Combine(dir.Path, "run");
        var options = TinyCorpus.Options(epochs: 8);
        var messages = new List<string>();

        var result = Run(data, runDir, options, progress: new SyncProgress(u => { if (u.Message is not null) messages.Add(u.Message); }));

        foreach (var name in new[]
                 {
                     RunFolder.FormatFile, RunFolder.OptionsFile, RunFolder.VocabularyFile, RunFolder.LabelsFile, RunFolder.CorpusFile,
                     RunFolder.SplitsFile, RunFolder.MetricsFile, RunFolder.BestWeights, RunFolder.LastWeights, RunFolder.CheckpointFile,
                     RunFolder.SummaryFile, RunFolder.TestReportText, RunFolder.TestReportJson, RunFolder.ConfusionPng, RunFolder.CurvePng,
                 })
            Assert.True(File.Exists(Path.Combine(runDir, name)), name);
        Assert.Equal(result.Files.Select(Path.GetFileName).Order(StringComparer.Ordinal), result.Files.Select(Path.GetFileName));

        Assert.Equal(options, RunFolder.ReadOptions(runDir)); // round-trips: nothing lost or renamed
        Assert.Equal(options, result.Options);
        Assert.Equal(["体育", "科技", "财经"], RunFolder.ReadLabels(runDir));
        Assert.Equal(RunFolder.FormatVersion, RunFolder.ReadFormat(runDir).FormatVersion);
        var corpus = RunFolder.ReadCorpus(runDir)!;
        Assert.Equal(Path.GetFullPath(data), corpus.Path);
        Assert.Equal(Corpus.Open(data, options.Corpus).Fingerprint(), corpus.Fingerprint);
        Assert.False(corpus.HasOwnSplits);

        // 20 per class, 10% val and 10% test each: 16 / 2 / 2 per class.
        Assert.Equal(48, result.Summary.TrainDocs);
        Assert.Equal(6, result.Summary.ValDocs);
        Assert.Equal(8, result.Summary.EpochsRun);
        Assert.NotNull(result.TestReport);
        Assert.Equal(6, result.TestReport!.Total);
        Assert.InRange(result.Summary.BestValAccuracy, 0.5, 1.0); // well above chance (1/3) on a separable corpus

        // summary.json carries the test scores; test-report.json agrees with the result.
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, RunFolder.SummaryFile)));
        Assert.Equal(result.TestAccuracy, summary.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(result.TestMacroF1, summary.RootElement.GetProperty("test_macro_f1").GetDouble());
        var saved = ClassificationReport.FromJson(File.ReadAllText(Path.Combine(runDir, RunFolder.TestReportJson)));
        Assert.Equal(result.TestReport.Accuracy, saved.Accuracy);
        Assert.Contains("macro avg", File.ReadAllText(Path.Combine(runDir, RunFolder.TestReportText)));

        // The vocabulary is built on train only: the <pad> and <unk> lines, then characters.
        var vocab = Vocabulary.Load(Path.Combine(runDir, RunFolder.VocabularyFile));
        Assert.True(vocab.Count > 2);
        Assert.Contains(messages, m => m.StartsWith("epoch 8/8", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("test accuracy", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_cancelled_after_epoch_1_and_resumed_ends_with_the_same_metrics_as_an_uninterrupted_one()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var options = TinyCorpus.Options(epochs: 3);
        var whole = Path.Combine(dir.Path, "whole");
        var resumed = Path.Combine(dir.Path, "resumed");
        var expected = Run(data, whole, options);

        using var cts = new CancellationTokenSource();
        var stopAfterEpoch1 = new SyncProgress(u =>
        {
            if (u.Message is not null && u.Message.StartsWith("epoch 1/", StringComparison.Ordinal)) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => Run(data, resumed, options, progress: stopAfterEpoch1, ct: cts.Token));
        Assert.Single(Epochs(resumed));
        Assert.False(File.Exists(Path.Combine(resumed, RunFolder.TestReportJson)));

        // The options passed on resume are ignored: options.json wins, so this is still the same run.
        var different = options with { Optimizer = options.Optimizer with { Lr = 0.5, Epochs = 1 } };
        var actual = Run(data, resumed, different, resume: true);

        Assert.Equal(Epochs(whole), Epochs(resumed));
        Assert.Equal(MetricsLog.Read(Path.Combine(whole, RunFolder.MetricsFile)).Steps, MetricsLog.Read(Path.Combine(resumed, RunFolder.MetricsFile)).Steps);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, RunFolder.BestWeights)), File.ReadAllBytes(Path.Combine(resumed, RunFolder.BestWeights)));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, RunFolder.TestReportJson)), File.ReadAllText(Path.Combine(resumed, RunFolder.TestReportJson)));
        Assert.Equal(expected.Summary.BestEpoch, actual.Summary.BestEpoch);
        Assert.Equal(expected.TestAccuracy, actual.TestAccuracy);
        Assert.Equal(options, actual.Options);
    }

    [Fact]
    public void Refuses_to_resume_on_a_changed_corpus_to_overwrite_a_run_or_to_resume_nothing()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var runDir = Path.Combine(dir.Path, "run");
        Run(data, runDir, TinyCorpus.Options(epochs: 1));

        var again = Assert.Throws<UserInputException>(() => Run(data, runDir, TinyCorpus.Options(epochs: 1)));
        Assert.Contains("--resume", again.Message);

        File.AppendAllText(Path.Combine(data, "体育", "000.txt"), "球");
        var changed = Assert.Throws<UserInputException>(() => Run(data, runDir, TinyCorpus.Options(), resume: true));
        Assert.Contains("differs from the corpus", changed.Message);

        var nothing = Assert.Throws<UserInputException>(() => Run(data, Path.Combine(dir.Path, "empty"), TinyCorpus.Options(), resume: true));
        Assert.Contains("no training run to resume", nothing.Message);
    }

    [Fact]
    public void Copies_the_user_dictionary_and_stop_words_into_the_run_folder_and_uses_the_copies()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 10);
        var userDict = dir.File("mine/dict.txt", "冠军队员 10\n");
        var stopWords = dir.File("mine/stop.txt", "的\n了\n是\n");
        var runDir = Path.Combine(dir.Path, "run");
        var options = TinyCorpus.Options(epochs: 1) with
        {
            Tokenizer = new TokenizerOptions { Kind = TokenizerKind.Word, UserDictionary = userDict, StopWords = stopWords },
        };

        var result = Run(data, runDir, options);
        Directory.Delete(Path.Combine(dir.Path, "mine"), recursive: true); // the run folder no longer needs the originals

        Assert.Equal("冠军队员 10\n", File.ReadAllText(Path.Combine(runDir, RunFolder.UserDictionaryFile)));
        Assert.Equal("的\n了\n是\n", File.ReadAllText(Path.Combine(runDir, RunFolder.StopWordsFile)));
        var saved = RunFolder.ReadOptions(runDir);
        Assert.Equal(RunFolder.UserDictionaryFile, saved.Tokenizer.UserDictionary);
        Assert.Equal(RunFolder.StopWordsFile, saved.Tokenizer.StopWords);
        Assert.Equal(saved, result.Options);
        var vocab = Vocabulary.Load(Path.Combine(runDir, RunFolder.VocabularyFile));
        foreach (var stop in new[] { "的", "了", "是" }) Assert.Equal(Vocabulary.UnknownId, vocab.IdOf(stop));
    }

    [Fact]
    public void A_corpus_without_validation_documents_gets_a_stratified_tenth_of_train_held_out()
    {
        using var dir = new TempDir();
        var data = Path.Combine(dir.Path, "corpus");
        TinyCorpus.Write(data, perClass: 20, seed: 1, part: "train");
        TinyCorpus.Write(data, perClass: 4, seed: 2, part: "test");
        var messages = new List<string>();

        var result = Run(data, Path.Combine(dir.Path, "run"), TinyCorpus.Options(epochs: 1),
            progress: new SyncProgress(u => { if (u.Message is not null) messages.Add(u.Message); }));

        Assert.True(result.ValCarvedFromTrain);
        Assert.Equal(3 * 2, result.Summary.ValDocs);
        Assert.Equal(3 * 18, result.Summary.TrainDocs);
        Assert.Equal(12, result.TestReport!.Total);
        Assert.Contains(messages, m => m.Contains("no validation documents"));
        Assert.True(RunFolder.ReadCorpus(Path.Combine(dir.Path, "run"))!.HasOwnSplits);
        Assert.False(File.Exists(Path.Combine(dir.Path, "run", RunFolder.SplitsFile))); // the corpus's own split needs no record
    }

    [Fact]
    public void The_held_out_validation_is_stratified_deterministic_and_keeps_reading_order()
    {
        var docs = Enumerable.Range(0, 60)
            .Select(i => new TokenizedDocument(i < 40 ? "甲" : i < 50 ? "乙" : "丙", [$"w{i}"], 2, $"doc{i}")).ToList();
        docs.Add(new TokenizedDocument("丁", ["alone"], 5, "single")); // a class of one keeps its document in train

        var (train, val) = TrainingJob.CarveValidation(docs, seed: 3, fraction: 0.1);
        var (train2, val2) = TrainingJob.CarveValidation(docs, seed: 3, fraction: 0.1);
        var (_, other) = TrainingJob.CarveValidation(docs, seed: 4, fraction: 0.1);

        Assert.Equal(4, val.Count(d => d.Label == "甲"));
        Assert.Equal(1, val.Count(d => d.Label == "乙"));
        Assert.Equal(1, val.Count(d => d.Label == "丙"));
        Assert.DoesNotContain(val, d => d.Label == "丁");
        Assert.Equal(docs.Count, train.Count + val.Count);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(val, val2);
        Assert.Equal(train, train2);
        Assert.NotEqual(val, other);
        Assert.Equal(train.OrderBy(d => docs.IndexOf(d)), train);
        Assert.Equal(val.OrderBy(d => docs.IndexOf(d)), val);
    }
}

using Changwen.IO;

namespace Changwen.Runs;

/// <summary>
/// The files of a run folder. A finished run folder is also the model: one self-contained folder that
/// <see cref="Bundle.TextClassifier"/> loads (options, tokenizer settings and files, vocabulary, labels, weights, format
/// version). docs/training.md lists what each file holds.
/// </summary>
public static class RunFolder
{
    /// <summary>
    /// Bumped whenever a file's meaning changes; a bundle of a version outside
    /// [<see cref="OldestReadableVersion"/>, <see cref="FormatVersion"/>] is refused, not misread. Version 2 (this one)
    /// added the tokenizer version and text normalisation to options.json (astral characters kept whole), weight
    /// checksums, and the linear and auto models: a Changwen that reads only version 1 would tokenize such a run's input
    /// differently without a word, so it must refuse it. Version 1 folders keep loading, read as they were written.
    /// </summary>
    public const int FormatVersion = 2;
    /// <summary>The oldest format this Changwen still reads (settings it lacks take the values of their time).</summary>
    public const int OldestReadableVersion = 1;

    public const string FormatFile = "format.json";
    public const string OptionsFile = "options.json";
    public const string VocabularyFile = "vocab.tsv";
    public const string LabelsFile = "labels.json";
    public const string CorpusFile = "corpus.json";
    public const string SplitsFile = "splits.tsv";
    public const string UserDictionaryFile = "user-dict.txt";
    public const string StopWordsFile = "stop-words.txt";
    public const string TestReportText = "test-report.txt";
    public const string TestReportJson = "test-report.json";
    public const string ConfusionPng = "confusion.png";
    /// <summary>The single heatmap file of <c>changwen eval</c> before it was named by the data (still a run file).</summary>
    public const string EvalConfusionPng = "eval-confusion.png";

    /// <summary>
    /// The heatmap <c>changwen eval</c> writes into the model's folder for the documents it scored: named by the data
    /// (its file or folder name, the split used and a hash of its full path), so it never replaces the confusion.png
    /// made at training nor the heatmap of an evaluation on other data or another split. Evaluating the same data again
    /// rewrites the same file with the same figure.
    /// </summary>
    public static string EvalConfusionPngFor(string data, string splitUsed)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(data));
        var name = new string(Path.GetFileName(full).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        if (name.Length > 40) name = name[..40];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..8];
        var split = new string(splitUsed.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());
        return $"eval-confusion-{name}-{split}-{hash}.png";
    }
    public const string CurvePng = "curve.png";
    /// <summary>Pretrained word vectors used (path, dimension, coverage); only in runs given <c>--embeddings</c>.</summary>
    public const string EmbeddingsFile = "embeddings.json";
    /// <summary>A network's weights at its best validation accuracy: the model that eval, predict and serve load.</summary>
    public const string BestWeights = "best.pt";
    /// <summary>A network's weights after its latest epoch (resume continues from them).</summary>
    public const string LastWeights = "last.pt";
    /// <summary><see cref="TrainingSummary"/>: best validation accuracy and epoch, epochs run, test scores.</summary>
    public const string SummaryFile = "summary.json";
    /// <summary>The trainer's resumable state (epoch, step, optimiser moments).</summary>
    public const string CheckpointFile = "checkpoint.bin";
    /// <summary><see cref="MetricsLog"/>: JSON lines, one per step and epoch (and the diagnosis's records).</summary>
    public const string MetricsFile = "metrics.jsonl";
    /// <summary>Every finding of the diagnosis, before and during training.</summary>
    public const string DiagnosisFile = "diagnosis.json";
    /// <summary>The linear model: TF-IDF vectorizer and logistic-regression weights.</summary>
    public const string LinearModelFile = "linear.bin";
    /// <summary><see cref="AutoRecord"/>: the candidates of <c>--model auto</c> and the one (or two) kept.</summary>
    public const string AutoFile = "auto.json";
    /// <summary>The folder of an auto run holding one run folder per candidate.</summary>
    public const string CandidatesFolder = "candidates";
    /// <summary>Written as the training job's last act (<see cref="MarkFinished"/>): the run is complete.</summary>
    public const string FinishedFile = "finished.json";

    /// <summary>Whether <paramref name="dir"/> holds a training run (finished or not): its options and metrics.</summary>
    public static bool IsRun(string dir) =>
        File.Exists(Path.Combine(dir, OptionsFile)) && File.Exists(Path.Combine(dir, MetricsFile));

    /// <summary>
    /// Whether the training job in <paramref name="dir"/> ran to its end: <see cref="FinishedFile"/>, or for runs written
    /// before that marker, a summary marked finished and curve.png (the job's last file then; the trainer marks the
    /// summary finished before the test split is scored).
    /// </summary>
    public static bool IsFinished(string dir)
    {
        if (File.Exists(Path.Combine(dir, FinishedFile))) return true;
        if (!File.Exists(Path.Combine(dir, CurvePng)) || !File.Exists(Path.Combine(dir, SummaryFile))) return false;
        try
        {
            return Json.Deserialize<TrainingSummary>(File.ReadAllText(Path.Combine(dir, SummaryFile))).Finished;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>Marks the run complete: everything it holds was written.</summary>
    public static void MarkFinished(string runDir, TrainingSummary summary) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, FinishedFile),
            Json.Serialize(new FinishedRecord(summary.EpochsRun, summary.BestEpoch, summary.BestValAccuracy)));

    /// <summary>A resumed run is unfinished again until its job ends.</summary>
    public static void ClearFinished(string runDir) => File.Delete(Path.Combine(runDir, FinishedFile));

    public static void WriteFormat(string runDir, TrainOptions options) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, FormatFile),
            Json.Serialize(new BundleFormat(FormatVersion, typeof(RunFolder).Assembly.GetName().Version?.ToString() ?? "0", options.Model.Kind.ToString().ToLowerInvariant())));

    public static void WriteOptions(string runDir, TrainOptions options) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, OptionsFile), Json.Serialize(options));

    public static void WriteLabels(string runDir, IReadOnlyList<string> labels) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, LabelsFile), Json.Serialize(labels));

    public static void WriteCorpus(string runDir, CorpusRecord corpus) =>
        AtomicFile.WriteAllText(Path.Combine(runDir, CorpusFile), Json.Serialize(corpus));

    public static BundleFormat ReadFormat(string runDir)
    {
        var format = Read<BundleFormat>(runDir, FormatFile);
        if (format.FormatVersion < OldestReadableVersion || format.FormatVersion > FormatVersion)
            throw UserInputException.At(Path.Combine(runDir, FormatFile), null,
                $"model format version {format.FormatVersion} is not supported by this Changwen (it reads versions {OldestReadableVersion} to {FormatVersion}). " +
                (format.FormatVersion > FormatVersion ? "Update Changwen (dotnet tool update changwen) or retrain the model with this version." : "Retrain the model with this version."));
        return format;
    }

    /// <summary>
    /// The options a run was trained with. Settings an older options.json does not mention take the value that Changwen
    /// used when it wrote the file, not today's default: before the fixed LSTM became the default, a run read the last
    /// padded step, kept libtorch's forget-gate bias, did not clip and did not bucket; before tokenizer version 2, the
    /// tokenizers cut characters outside the Basic Multilingual Plane apart and nothing was normalised.
    /// </summary>
    public static TrainOptions ReadOptions(string runDir)
    {
        var path = Path.Combine(runDir, OptionsFile);
        var text = ReadText(path);
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(text) is System.Text.Json.Nodes.JsonObject root)
            {
                FillMissing(root, "model", ("pool", "last"), ("forget_bias", null));
                FillMissing(root, "optimizer", ("clip_grad_norm", null), ("bucket", false));
                FillMissing(root, "tokenizer", ("version", 1), ("normalize", "none"));
                text = root.ToJsonString();
            }
        }
        catch (System.Text.Json.JsonException) { } // Read reports the damage below, with the file's name
        var options = Parse<TrainOptions>(path, text);
        // A doctored max_len or vocabulary size would otherwise become a tensor allocation of any size.
        OptionLimits.ValidateSaved(options, path);
        return options;
    }

    /// <summary>
    /// A tokenizer file named in options.json (user_dictionary, stop_words), resolved against the run folder. A run
    /// folder is self-contained (training copies those files into it), so a path that leads outside it is refused.
    /// </summary>
    public static string? ResolveInside(string runDir, string? recorded, string key)
    {
        if (recorded is null) return null;
        var dir = Path.GetFullPath(runDir);
        var full = Path.GetFullPath(Path.Combine(dir, recorded));
        if (!full.StartsWith(dir.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw UserInputException.At(Path.Combine(dir, OptionsFile), null,
                $"{key} '{recorded}' lies outside the run folder; a run folder holds its own copy. Restore the options.json of the training run");
        return full;
    }

    private static void FillMissing(System.Text.Json.Nodes.JsonObject root, string section, params (string Key, object? Value)[] olderDefaults)
    {
        if (root[section] is not System.Text.Json.Nodes.JsonObject values) return;
        foreach (var (key, value) in olderDefaults)
            if (!values.ContainsKey(key))
                values[key] = value is null ? null : System.Text.Json.Nodes.JsonValue.Create(value);
    }

    public static IReadOnlyList<string> ReadLabels(string runDir) => Read<List<string>>(runDir, LabelsFile);
    public static CorpusRecord? ReadCorpus(string runDir) =>
        File.Exists(Path.Combine(runDir, CorpusFile)) ? Read<CorpusRecord>(runDir, CorpusFile) : null;

    private static T Read<T>(string runDir, string name)
    {
        var path = Path.Combine(runDir, name);
        return Parse<T>(path, ReadText(path));
    }

    private static string ReadText(string path) => File.Exists(path) ? File.ReadAllText(path)
        : throw UserInputException.At(path, null, "missing. Is this a Changwen run folder? Train one with `changwen train DATA --out DIR`.");

    private static T Parse<T>(string path, string text)
    {
        try
        {
            return Json.Deserialize<T>(text);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw UserInputException.At(path, null, $"damaged or not a Changwen file ({e.Message.Split('\n')[0]}). Retrain or restore the run folder.");
        }
    }
}

/// <summary>What a bundle is: its format version, the Changwen that wrote it, and the model kind.</summary>
public sealed record BundleFormat(int FormatVersion, string Changwen, string Model);

/// <summary>Which corpus a run was trained on, so `eval` can tell "the same corpus" (use its recorded test split).</summary>
/// <param name="Path">The corpus path as given, made absolute.</param>
/// <param name="Fingerprint">The corpus content fingerprint (Corpus.Fingerprint()).</param>
/// <param name="HasOwnSplits">Whether the corpus came with its own split files; otherwise splits.tsv records Changwen's.</param>
public sealed record CorpusRecord(string Path, string Fingerprint, bool HasOwnSplits);

/// <summary>finished.json: the run's training job ended, with the epochs it ran and the best one.</summary>
public sealed record FinishedRecord(int EpochsRun, int BestEpoch, double BestValAccuracy);

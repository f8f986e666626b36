using Changwen.Data;
using Changwen.IO;
using Changwen.Runs;
using Changwen.Tfidf;
using Changwen.Models;
using Changwen.Text;

namespace Changwen.Bundle;

/// <summary>One label and its probability.</summary>
public sealed record LabelProbability(string Label, float Probability);

/// <summary>
/// The prediction for one text: the most probable <see cref="Label"/> with its <see cref="Probability"/>, and the
/// <see cref="Top"/> k labels, most probable first (ties in label order).
/// </summary>
public sealed record Prediction(string Label, float Probability, IReadOnlyList<LabelProbability> Top);

/// <summary>
/// A trained model loaded from its run folder (the bundle): text in, labels and probabilities out, with the
/// tokenizer, vocabulary, encoding and network exactly as they were in training.
/// </summary>
/// <remarks>
/// Safe for concurrent callers: cutting and tokenizing run on the caller's thread, and scoring is the scorer's
/// (a libtorch forward pass is serialised by a lock: one module, whose eval/train switch is shared state). Texts longer
/// than the training max length are truncated as in training; an empty text becomes an all-padding row of length 0,
/// which the networks take like any other row (each pooling reads only real positions, except the original post's
/// <c>last</c>, which reads the final padded step).
/// </remarks>
public sealed partial class TextClassifier : IDisposable
{
    /// <summary>Rows per forward pass unless the caller says otherwise.</summary>
    public const int DefaultBatchSize = 256;

    private readonly IProbabilityScorer scorer;
    private readonly ITokenizer tokenizer;
    private readonly Dictionary<string, int> labelIndex;

    private TextClassifier(string runDirectory, BundleFormat format, TrainOptions options, IReadOnlyList<string> labels,
        Vocabulary vocabulary, ITokenizer tokenizer, IProbabilityScorer scorer, TrainingSummary? summary)
    {
        RunDirectory = runDirectory;
        Format = format;
        Options = options;
        Labels = labels;
        Vocabulary = vocabulary;
        Summary = summary;
        this.scorer = scorer;
        this.tokenizer = tokenizer;
        labelIndex = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The run folder the model was loaded from, as a full path.</summary>
    public string RunDirectory { get; }
    public BundleFormat Format { get; }
    /// <summary>The options the model was trained with (options.json; tokenizer file paths as recorded there).</summary>
    public TrainOptions Options { get; }
    /// <summary>The class names; a class index is a position in this list.</summary>
    public IReadOnlyList<string> Labels { get; }
    public Vocabulary Vocabulary { get; }
    /// <summary>summary.json of the training run, or null when the folder has none.</summary>
    public TrainingSummary? Summary { get; }

    /// <summary>The class index of <paramref name="label"/>, or -1 when the model does not know it.</summary>
    public int IndexOf(string label) => labelIndex.GetValueOrDefault(label, -1);

    /// <summary>
    /// Loads the model in <paramref name="runDir"/>: format.json (version check), options.json, labels.json, vocab.tsv,
    /// the tokenizer (a relative user dictionary or stop-word path is resolved against the run folder) and best.pt.
    /// Anything missing, damaged or inconsistent is one <see cref="UserInputException"/> naming the file.
    /// Denormal floats are flushed to zero on the calling thread first, as in training (see <see cref="TorchRuntime.FlushDenormals"/>),
    /// so that libtorch's worker threads, which inherit the setting when they start, score as the CLI does.
    /// </summary>
    public static TextClassifier Load(string runDir)
    {
        TorchRuntime.FlushDenormals();
        var dir = Path.GetFullPath(runDir);
        if (!Directory.Exists(dir))
            throw UserInputException.At(dir, null, "no such model folder. Give the run folder written by `changwen train`");
        var format = RunFolder.ReadFormat(dir);
        var optionsPath = Path.Combine(dir, RunFolder.OptionsFile);
        var options = RunFolder.ReadOptions(dir);
        CheckOptions(options, optionsPath);
        var labelsPath = Path.Combine(dir, RunFolder.LabelsFile);
        var labels = RunFolder.ReadLabels(dir);
        if (labels.Count < 2 || labels.Any(string.IsNullOrEmpty) || labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
            throw UserInputException.At(labelsPath, null, "needs at least two distinct, non-empty class names. Restore the file from the training run");

        if (options.Model.Kind == ModelKind.Auto) return LoadChosen(dir, format, options, labels);

        var vocabulary = Vocabulary.Load(Path.Combine(dir, RunFolder.VocabularyFile));
        var tokenizerOptions = options.Tokenizer with
        {
            UserDictionary = RunFolder.ResolveInside(dir, options.Tokenizer.UserDictionary, "user_dictionary"),
            StopWords = RunFolder.ResolveInside(dir, options.Tokenizer.StopWords, "stop_words"),
        };
        var tokenizer = Tokenizers.Create(tokenizerOptions);

        if (options.Model.Kind == ModelKind.Linear)
        {
            var modelPath = Path.Combine(dir, RunFolder.LinearModelFile);
            var linear = LinearModel.Load(modelPath);
            if (linear.ClassCount != labels.Count)
                throw UserInputException.At(modelPath, null, $"holds {linear.ClassCount} classes but labels.json lists {labels.Count}. Restore both files from the same training run");
            return new TextClassifier(dir, format, options, labels, vocabulary, tokenizer, new LinearScorer(linear, modelPath), ReadSummaryIfAny(dir));
        }

        TextClassifierModel model;
        try
        {
            model = ModelFactory.Create(options.Model, vocabulary.Count, labels.Count);
        }
        catch (UserInputException e)
        {
            // The factory's message says what is wrong with the sizes; the file to fix is options.json.
            throw UserInputException.At(optionsPath, null, e.Message);
        }
        try
        {
            if (options.Encoding.MaxLen < model.MinSequenceLength)
                throw UserInputException.At(optionsPath, null,
                    $"max length {options.Encoding.MaxLen} is shorter than the {model.MinSequenceLength} positions a {CliName(options.Model.Kind)} model needs. Restore the options.json of the training run");
            // Mismatched sizes (a vocab.tsv or labels.json from another run) surface here as weights that do not fit.
            var weightsPath = Path.Combine(dir, RunFolder.BestWeights);
            ModelFactory.LoadWeights(model, weightsPath);
            model.eval();
            var scorer = new NetworkScorer(model, new SequenceEncoder(vocabulary, options.Encoding), weightsPath);
            return new TextClassifier(dir, format, options, labels, vocabulary, tokenizer, scorer, ReadSummaryIfAny(dir));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A <c>--model auto</c> run folder: the candidate (or the two candidates averaged) its auto.json names, each loaded
    /// from its sub-folder; labels must agree.
    /// </summary>
    private static TextClassifier LoadChosen(string dir, BundleFormat format, TrainOptions options, IReadOnlyList<string> labels)
    {
        var record = AutoRecord.Read(dir);
        var members = new List<TextClassifier>();
        try
        {
            foreach (var name in record.Chosen)
            {
                var member = Load(Path.Combine(dir, RunFolder.CandidatesFolder, name));
                members.Add(member);
                if (!member.Labels.SequenceEqual(labels, StringComparer.Ordinal))
                    throw UserInputException.At(Path.Combine(member.RunDirectory, RunFolder.LabelsFile), null,
                        $"lists other classes than {Path.Combine(dir, RunFolder.LabelsFile)}. Restore the run folder from the training run");
            }
            // The candidates share the run's tokenizer settings, so the first one's tokens serve them all.
            return new TextClassifier(dir, format, options, labels, members[0].Vocabulary, members[0].tokenizer, new AverageScorer(members), ReadSummaryIfAny(dir));
        }
        catch
        {
            foreach (var member in members) member.Dispose();
            throw;
        }
    }

    /// <summary>Whether scoring runs in libtorch (a run folder's network), rather than in ONNX Runtime or the linear model.</summary>
    public bool UsesLibtorch => scorer.UsesLibtorch;

    /// <summary>
    /// Loads a folder written by <c>changwen export --format onnx</c>: the network runs in ONNX Runtime
    /// (<paramref name="threads"/> intra-op threads, 0 = its default) and libtorch is never loaded; tokenizing and
    /// encoding are the run's, from manifest.json. <see cref="Options"/> then holds only the tokenizer, encoding and
    /// model kind; <see cref="Summary"/> is null.
    /// </summary>
    public static TextClassifier LoadOnnx(string exportDir, int threads = 0)
    {
        var onnx = Export.OnnxScorer.Load(exportDir, threads);
        try
        {
            var options = Export.OnnxBundle.Options(onnx);
            var vocabulary = Vocabulary.Load(Path.Combine(onnx.Directory, onnx.Manifest.Vocabulary));
            return new TextClassifier(onnx.Directory, Export.OnnxBundle.Format(onnx), options, onnx.Labels, vocabulary,
                Tokenizers.Create(options.Tokenizer), new OnnxNetworkScorer(onnx, new SequenceEncoder(vocabulary, options.Encoding)), null);
        }
        catch
        {
            onnx.Dispose();
            throw;
        }
    }

    /// <summary>The files holding the model's parameters (best.pt, linear.bin, or those of an ensemble's members).</summary>
    public IReadOnlyList<string> WeightFiles => scorer.WeightFiles;

    /// <summary>The prediction for one text.</summary>
    public Prediction Predict(string text, int topK = 1) => PredictBatch([text], topK)[0];

    /// <summary>Predictions for <paramref name="texts"/>, in order; the forward pass takes <paramref name="batchSize"/> texts at a time.</summary>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts, int topK = 1, int batchSize = DefaultBatchSize)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "top-k must be at least 1");
        return ToPredictions(PredictProbabilities(texts, batchSize), topK);
    }

    private Prediction[] ToPredictions(float[][] probabilities, int topK)
    {
        var k = Math.Min(topK, Labels.Count);
        var result = new Prediction[probabilities.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var top = Enumerable.Range(0, Labels.Count)
                .OrderByDescending(c => probabilities[i][c]) // stable: ties keep label order
                .Take(k)
                .Select(c => new LabelProbability(Labels[c], probabilities[i][c]))
                .ToArray();
            result[i] = new Prediction(top[0].Label, top[0].Probability, top);
        }
        return result;
    }

    /// <summary>
    /// The softmax probabilities of every class for each text (<c>[texts][Labels.Count]</c>), computed
    /// <paramref name="batchSize"/> texts at a time: tokenized in parallel, then one forward pass under the lock.
    /// </summary>
    public float[][] PredictProbabilities(IReadOnlyList<string> texts, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        var result = new float[texts.Count][];
        for (var start = 0; start < texts.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, texts.Count - start);
            Array.Copy(scorer.ScoreTokens(Tokenize(texts, start, count), batchSize), 0, result, start, count);
        }
        return result;
    }

    /// <summary>Tokenizes texts[start..start+count) (in parallel) exactly as training tokenized its documents.</summary>
    /// <remarks>Each text is first cut to <see cref="MaxTextChars"/>: segmenting more cannot change what the model reads.</remarks>
    private string[][] Tokenize(IReadOnlyList<string> texts, int start, int count, CancellationToken cancel = default)
    {
        var tokens = new string[count][];
        Parallel.For(0, count, new ParallelOptions { CancellationToken = cancel }, i =>
        {
            var text = texts[start + i] ?? throw new ArgumentNullException(nameof(texts), $"text {start + i} is null");
            tokens[i] = tokenizer.Tokenize(CutToUsable(text, MaxTextChars, Options.Encoding.Truncate));
        });
        return tokens;
    }

    /// <summary>The probabilities of documents already tokenized with this model's tokenizer (as the segmentation cache holds them).</summary>
    internal float[][] PredictTokenized(IReadOnlyList<string[]> documents, int batchSize = DefaultBatchSize) =>
        scorer.ScoreTokens(documents, batchSize);

    public void Dispose() => scorer.Dispose();

    private static string CliName(ModelKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>A JSON file that parses but lacks a section (e.g. <c>"model": null</c>) would fail later as a bug; refuse it here.</summary>
    private static void CheckOptions(TrainOptions options, string path)
    {
        if (options.Corpus is null || options.Tokenizer is null || options.Vocabulary is null || options.Encoding is null ||
            options.Model is null || options.Optimizer is null)
            throw UserInputException.At(path, null, "a section (corpus, tokenizer, vocabulary, encoding, model or optimizer) is missing. Restore the options.json of the training run");
        if (options.Encoding.MaxLen < 1)
            throw UserInputException.At(path, null, $"max length {options.Encoding.MaxLen} is not positive. Restore the options.json of the training run");
    }

    private static TrainingSummary? ReadSummaryIfAny(string dir) =>
        File.Exists(Path.Combine(dir, RunFolder.SummaryFile)) ? ReadSummary(dir) : null;

    private static TrainingSummary ReadSummary(string dir)
    {
        var path = Path.Combine(dir, RunFolder.SummaryFile);
        try
        {
            return Json.Deserialize<TrainingSummary>(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw UserInputException.At(path, null, $"damaged ({e.Message.Split('\n')[0]}). Restore it or delete it (the model does not need it)");
        }
    }
}

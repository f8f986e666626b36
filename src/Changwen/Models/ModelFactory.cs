using Changwen.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>Builds models from options, and saves and loads their weights (TorchSharp's <c>module.save</c> format).</summary>
public static class ModelFactory
{
    /// <summary>
    /// Builds the network <paramref name="options"/> describe. With a <paramref name="seed"/>, torch's global generator is
    /// seeded first so the initial weights are reproducible (pass <c>TrainOptions.Optimizer.Seed</c>).
    /// </summary>
    public static TextClassifierModel Create(ModelOptions options, int vocabSize, int numClasses, int? seed = null)
    {
        if (vocabSize < 2) throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, "a vocabulary holds at least <pad> and <unk>");
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "a classifier needs at least two classes");
        if (options.EmbeddingDim < 1 || options.HiddenDim < 1 || options.LayerDim < 1 || options.KernelSize < 1 || options.PkernelSize < 1)
            throw new UserInputException($"model sizes must be positive (embedding {options.EmbeddingDim}, hidden {options.HiddenDim}, layers {options.LayerDim}, kernel {options.KernelSize}, pool {options.PkernelSize}). Fix the model options");
        if (options.ForgetBias is { } bias && !double.IsFinite(bias))
            throw new UserInputException($"forget-gate bias must be a finite number, got {bias}. Pass e.g. 1");
        Validate(options);
        if (seed is { } s) random.manual_seed(s);
        return ModelSpecs.Of(options.Kind).Create(options, vocabSize, numClasses);
    }

    /// <summary>The options of the newer models and of dropout, checked before any native code sees them (and before a
    /// training job segments the corpus).</summary>
    public static void Validate(ModelOptions options)
    {
        if (!(options.Dropout is >= 0 and < 1))
            throw new UserInputException($"dropout must be at least 0 and below 1, got {options.Dropout}. Pass e.g. 0.5, or 0 for none");
        if (options.WordNgrams is not (1 or 2))
            throw new UserInputException($"word n-grams must be 1 (words) or 2 (words and bigrams), got {options.WordNgrams}");
        ModelSpecs.Of(options.Kind).Validate(options);
    }

    /// <summary>
    /// Whether the classifier reads the final column of a padded row, pads included (LSTM and MergeNet with
    /// <c>--pool last</c>); the bag and convolution models read only the words.
    /// </summary>
    public static bool ReadsLastColumn(ModelOptions options) => ModelSpecs.Of(options.Kind).ReadsLastColumn(options);

    /// <summary>Builds a fresh model from <paramref name="options"/> and loads the weights saved at <paramref name="path"/>.</summary>
    public static TextClassifierModel Load(string path, ModelOptions options, int vocabSize, int numClasses)
    {
        var model = Create(options, vocabSize, numClasses);
        try
        {
            LoadWeights(model, path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes the model's weights (parameters and BatchNorm statistics) atomically.</summary>
    public static void SaveWeights(TextClassifierModel model, string path)
    {
        // Streamed into the file: a MemoryStream and its ToArray held the weights three times over (see Checkpoint.Save).
        WeightsChecksum.Save(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            model.save(writer);
        });
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/>; a missing, truncated or mismatched file is the user's to fix.</summary>
    public static void LoadWeights(TextClassifierModel model, string path)
    {
        if (!File.Exists(path))
            throw UserInputException.At(path, null, "weights file not found. Point to the best.pt or last.pt of a finished training run");
        try
        {
            var bytes = File.ReadAllBytes(path);
            WeightsChecksum.Verify(path, bytes);
            using var stream = new MemoryStream(bytes, writable: false);
            using var reader = new BinaryReader(stream);
            model.load(reader);
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"{stream.Length - stream.Position} bytes left over");
        }
        // Any failure while reading is the file's: TorchSharp reports truncation, bad names and bad shapes with assorted exceptions.
        catch (Exception e) when (e is not UserInputException)
        {
            throw UserInputException.At(path, null,
                $"not weights of a {model.Options.Kind} model with these options ({e.Message.TrimEnd('.')}). Check the file is complete and was trained with the same options.json and vocabulary");
        }
    }
}

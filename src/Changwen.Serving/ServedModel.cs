using System.Security.Cryptography;
using Changwen.Bundle;

namespace Changwen.Serving;

/// <summary>One loaded model with its name, version and micro-batcher.</summary>
public sealed class ServedModel : IAsyncDisposable
{
    private ServedModel(string name, string version, TextClassifier classifier, MicroBatcher batcher)
    {
        Name = name;
        Version = version;
        Classifier = classifier;
        Batcher = batcher;
    }

    public string Name { get; }
    /// <summary>
    /// The bundle's format version and the first 12 hex digits of a SHA-256 over its weight files (model.onnx for an
    /// export): changes whenever the weights do.
    /// </summary>
    public string Version { get; }
    public TextClassifier Classifier { get; }
    public MicroBatcher Batcher { get; }

    /// <summary>
    /// Loads the run folder (or, for <see cref="ServingRuntime.Onnx"/>, the exported folder), runs one warm-up
    /// prediction (the first pass of either runtime is slow), starts its batcher.
    /// </summary>
    public static ServedModel Load(ModelSource source, ServingOptions options)
    {
        var classifier = options.Runtime == ServingRuntime.Onnx
            ? TextClassifier.LoadOnnx(source.RunDirectory, options.OnnxThreads)
            : TextClassifier.Load(source.RunDirectory);
        try
        {
            // The file holding the parameters (best.pt, linear.bin, an export's model.onnx); for an auto run's averaged pair, the hash of their hashes.
            var hashes = classifier.WeightFiles.Select(file =>
            {
                using var weights = File.OpenRead(file);
                return SHA256.HashData(weights);
            }).ToList();
            var hash = Convert.ToHexStringLower(hashes.Count == 1 ? hashes[0] : SHA256.HashData(hashes.SelectMany(h => h).ToArray()))[..12];
            classifier.Predict("");
            return new ServedModel(source.Name, $"{classifier.Format.FormatVersion}-{hash}", classifier,
                new MicroBatcher(classifier, options.MaxBatch, options.BatchWait));
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    public ModelInfo Info() => new(Name, Version, Classifier.Format.Model, Classifier.Labels, WithoutPaths(Classifier.Options), Classifier.Summary, Batcher.Stats);

    /// <summary>
    /// The options as a client may see them: file names only, so the answer does not reveal the server's folders
    /// (the pretrained vectors are recorded with their full path for resuming; the tokenizer files are already relative).
    /// </summary>
    private static TrainOptions WithoutPaths(TrainOptions options) => options with
    {
        Tokenizer = options.Tokenizer with
        {
            UserDictionary = options.Tokenizer.UserDictionary is { } dict ? Path.GetFileName(dict) : null,
            StopWords = options.Tokenizer.StopWords is { } stop ? Path.GetFileName(stop) : null,
        },
        Model = options.Model with { Embeddings = options.Model.Embeddings is { } vectors ? Path.GetFileName(vectors) : null },
    };

    /// <summary>Answers what is queued, then frees the network.</summary>
    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync().ConfigureAwait(false);
        Classifier.Dispose();
    }
}

/// <summary>The served models by name; the first is the default.</summary>
public sealed class ModelRegistry : IAsyncDisposable
{
    private readonly Dictionary<string, ServedModel> byName;

    private ModelRegistry(IReadOnlyList<ServedModel> models)
    {
        Models = models;
        byName = models.ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<ServedModel> Models { get; }
    public ServedModel Default => Models[0];
    public IEnumerable<string> Names => Models.Select(m => m.Name);

    /// <summary>The model named <paramref name="name"/> (null = the default), or null when there is none of that name.</summary>
    public ServedModel? Find(string? name) => name is null ? Default : byName.GetValueOrDefault(name);

    /// <summary>Loads every model; if one fails, those already loaded are freed and the error goes up.</summary>
    public static ModelRegistry Load(ServingOptions options)
    {
        var loaded = new List<ServedModel>();
        try
        {
            foreach (var source in options.Models) loaded.Add(ServedModel.Load(source, options));
            return new ModelRegistry(loaded);
        }
        catch
        {
            foreach (var model in loaded) model.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>No more requests are queued; what is queued still gets answered.</summary>
    public void CompleteAll()
    {
        foreach (var model in Models) model.Batcher.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in Models) await model.DisposeAsync().ConfigureAwait(false);
    }
}

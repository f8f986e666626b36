using Changwen.IO;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Changwen.Export;

/// <summary>
/// Scores encoded rows with an exported folder through ONNX Runtime: ids (and lengths) in, class probabilities out;
/// it computes the fastText bigram buckets the manifest asks for. A damaged or mismatched model.onnx or manifest is
/// one <see cref="UserInputException"/> naming the file. Safe for concurrent callers (ONNX Runtime's Run is).
/// </summary>
public sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession session;

    private OnnxScorer(string directory, OnnxManifest manifest, IReadOnlyList<string> labels, InferenceSession session)
    {
        Directory = directory;
        Manifest = manifest;
        Labels = labels;
        this.session = session;
    }

    public string Directory { get; }
    public OnnxManifest Manifest { get; }
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Opens the export in <paramref name="exportDir"/>; <paramref name="threads"/> intra-op threads (0 = ONNX Runtime's default).</summary>
    public static OnnxScorer Load(string exportDir, int threads = 0)
    {
        var dir = Path.GetFullPath(exportDir);
        var manifestPath = Path.Combine(dir, OnnxManifest.FileName);
        var manifest = ReadJson<OnnxManifest>(manifestPath, "Export the model again with `changwen export RUN --format onnx --out DIR`");
        if (manifest.ManifestVersion != OnnxManifest.CurrentVersion || manifest.Text is null || manifest.Model is null || manifest.Labels is null)
            throw UserInputException.At(manifestPath, null, $"not a manifest this Changwen reads (version {manifest.ManifestVersion}, it reads {OnnxManifest.CurrentVersion}). Export the model again");
        var labelsPath = Path.Combine(dir, manifest.Labels);
        var labels = ReadJson<List<string>>(labelsPath, "Restore it from the run folder");
        var modelPath = Path.Combine(dir, manifest.Model);
        if (!File.Exists(modelPath))
            throw UserInputException.At(modelPath, null, "missing. Export the model again");
        InferenceSession session;
        try
        {
            using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            if (threads > 0) sessionOptions.IntraOpNumThreads = threads;
            session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw UserInputException.At(modelPath, null, $"not a readable ONNX model ({FirstLine(e.Message)}). Export the model again");
        }
        try
        {
            CheckSignature(session, manifest, labels.Count, modelPath);
            return new OnnxScorer(dir, manifest, labels, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The probabilities (<c>[rows][classes]</c>) of <paramref name="rows"/> padded rows of <paramref name="width"/>
    /// ids each, with each row's real-token count in <paramref name="lengths"/>.
    /// </summary>
    public float[][] Score(long[] ids, long[] lengths, int rows, int width)
    {
        if (ids.Length != rows * width || lengths.Length != rows)
            throw new ArgumentException($"{ids.Length} ids and {lengths.Length} lengths for {rows} rows of {width}");
        int[] shape = [rows, width];
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(OnnxManifest.IdsInput, new DenseTensor<long>(ids, shape)),
            NamedOnnxValue.CreateFromTensor(OnnxManifest.LengthsInput, new DenseTensor<long>(lengths, [rows])),
        };
        if (Manifest.Bigrams is { } bigrams)
            inputs.Add(NamedOnnxValue.CreateFromTensor(bigrams.Input,
                new DenseTensor<long>(Changwen.Models.FastTextBigrams.PerColumn(ids, rows, width, bigrams.Buckets), shape)));
        using var results = session.Run(inputs, [OnnxManifest.ProbabilitiesOutput]);
        var flat = results[0].AsEnumerable<float>().ToArray();
        var classes = Labels.Count;
        var result = new float[rows][];
        for (var r = 0; r < rows; r++) result[r] = flat.AsSpan(r * classes, classes).ToArray();
        return result;
    }

    /// <summary>The probabilities of every row of <paramref name="data"/>.</summary>
    public float[][] Score(Data.EncodedDataset data) =>
        Score(Array.ConvertAll(data.Ids, id => (long)id), Array.ConvertAll(data.Lengths, length => (long)length), data.Count, data.MaxLen);

    public void Dispose() => session.Dispose();

    /// <summary>The graph must take and give what the manifest says, for as many classes as there are labels.</summary>
    private static void CheckSignature(InferenceSession session, OnnxManifest manifest, int classes, string modelPath)
    {
        var expectedInputs = manifest.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var actualInputs = session.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        if (!expectedInputs.SetEquals(actualInputs))
            throw UserInputException.At(modelPath, null, $"takes inputs ({string.Join(", ", actualInputs)}) that its manifest.json does not list ({string.Join(", ", expectedInputs)}). Export the model again");
        if (!session.OutputMetadata.TryGetValue(OnnxManifest.ProbabilitiesOutput, out var probabilities))
            throw UserInputException.At(modelPath, null, $"has no '{OnnxManifest.ProbabilitiesOutput}' output. Export the model again");
        if (probabilities.Dimensions is not [_, var c] || c != classes)
            throw UserInputException.At(modelPath, null, $"gives [{string.Join(",", probabilities.Dimensions)}] probabilities, but labels.json has {classes} classes. Export the model again");
    }

    private static T ReadJson<T>(string path, string remedy)
    {
        if (!File.Exists(path)) throw UserInputException.At(path, null, $"missing. {remedy}");
        try
        {
            return Json.Deserialize<T>(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw UserInputException.At(path, null, $"damaged ({FirstLine(e.Message)}). {remedy}");
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim().TrimEnd('.');
}

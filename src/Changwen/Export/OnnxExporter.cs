using Changwen.IO;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Text;
using Google.Protobuf;
using Onnx;

namespace Changwen.Export;

/// <summary>
/// Writes a trained run as a folder that any ONNX runtime can serve: model.onnx (opset 17; inputs token ids
/// <c>[batch, seq]</c> and lengths <c>[batch]</c>, int64, plus <c>bigram_buckets</c> for fastText with bigrams;
/// outputs logits and probabilities <c>[batch, classes]</c>), the vocabulary, the labels, the tokenizer's files and
/// manifest.json (<see cref="OnnxManifest"/>). The graph is rebuilt operator by operator from the loaded module's
/// weights (TorchSharp cannot trace to ONNX) and serialised with Google.Protobuf over the official onnx.proto3.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The model kinds that have an ONNX graph.</summary>
    public static readonly IReadOnlyList<ModelKind> SupportedKinds = [ModelKind.Fasttext, ModelKind.Textcnn, ModelKind.Lstm, ModelKind.Mergenet];

    /// <summary>
    /// Exports the run folder <paramref name="runDir"/> into <paramref name="outDir"/> (created if needed). Refuses,
    /// with one line, a folder that already holds a model.onnx or manifest.json, and a model kind without a graph.
    /// </summary>
    public static OnnxManifest Export(string runDir, string outDir)
    {
        var dir = Path.GetFullPath(runDir);
        if (!Directory.Exists(dir))
            throw UserInputException.At(dir, null, "no such model folder. Give the run folder written by `changwen train`");
        var format = RunFolder.ReadFormat(dir);
        var options = RunFolder.ReadOptions(dir);
        if (options.Model is null || options.Tokenizer is null || options.Encoding is null)
            throw UserInputException.At(Path.Combine(dir, RunFolder.OptionsFile), null, "a section (model, tokenizer or encoding) is missing. Restore the options.json of the training run");
        RefuseUnsupported(options.Model.Kind, format.Model);
        var labels = RunFolder.ReadLabels(dir);
        var vocabularyPath = Path.Combine(dir, RunFolder.VocabularyFile);
        var vocabulary = Vocabulary.Load(vocabularyPath);

        var output = Path.GetFullPath(outDir);
        foreach (var name in new[] { OnnxManifest.ModelFile, OnnxManifest.FileName })
            if (File.Exists(Path.Combine(output, name)))
                throw UserInputException.At(Path.Combine(output, name), null, "already exists; an export never overwrites a model. Choose another --out folder or delete it");

        using var model = ModelFactory.Load(Path.Combine(dir, RunFolder.BestWeights), options.Model, vocabulary.Count, labels.Count);
        model.eval();
        var onnx = BuildModel(model, format.Changwen);

        Directory.CreateDirectory(output);
        var manifest = Manifest(options, model, format.Changwen);
        CopyFile(vocabularyPath, Path.Combine(output, manifest.Vocabulary));
        AtomicFile.WriteAllText(Path.Combine(output, manifest.Labels), Json.Serialize(labels));
        if (manifest.Text.UserDictionary is { } userDictionary)
            CopyFile(Resolve(dir, options.Tokenizer.UserDictionary!), Path.Combine(output, userDictionary));
        if (manifest.Text.StopWords is { } stopWords)
            CopyFile(Resolve(dir, options.Tokenizer.StopWords!), Path.Combine(output, stopWords));
        AtomicFile.Write(Path.Combine(output, OnnxManifest.ModelFile), stream => onnx.WriteTo(stream));
        // Last, so that a folder with a manifest is a complete export.
        AtomicFile.WriteAllText(Path.Combine(output, OnnxManifest.FileName), Json.Serialize(manifest));
        return manifest;
    }

    /// <summary>One line for a model kind that has no ONNX graph (yet).</summary>
    public static void RefuseUnsupported(ModelKind kind, string? name = null)
    {
        if (!SupportedKinds.Contains(kind))
            throw new UserInputException($"export: a {name ?? kind.ToString().ToLowerInvariant()} model cannot be exported to ONNX yet (supported: {string.Join(", ", SupportedKinds.Select(k => k.ToString().ToLowerInvariant()))}).");
    }

    /// <summary>The ONNX model of a loaded (eval-mode) network.</summary>
    internal static ModelProto BuildModel(TextClassifierModel model, string producerVersion = "0")
    {
        RefuseUnsupported(model.Options.Kind);
        var g = new OnnxGraphBuilder();
        var weights = new ModelWeights(model);
        const string ids = OnnxManifest.IdsInput;
        g.Input(ids, TensorProto.Types.DataType.Int64, "batch", "seq");
        // Every model derives its mask from the ids (0 = pad), as in libtorch; lengths is part of the contract for
        // runtimes and models that want it, and is not read by these graphs.
        g.Input(OnnxManifest.LengthsInput, TensorProto.Types.DataType.Int64, "batch");
        var logits = model switch
        {
            FastText => FastTextGraph.Build(g, weights, model.Options, ids),
            TextCnn textCnn => TextCnnGraph.Build(g, weights, textCnn, ids),
            LstmClassifier => RecurrentGraph.BuildLstm(g, weights, model.Options, ids),
            MergeNet mergeNet => RecurrentGraph.BuildMergeNet(g, weights, mergeNet, ids),
            _ => throw new UserInputException($"export: a {model.GetType().Name} model cannot be exported to ONNX yet."),
        };
        var classes = model.NumClasses.ToString(System.Globalization.CultureInfo.InvariantCulture);
        g.Output(logits, OnnxManifest.LogitsOutput, TensorProto.Types.DataType.Float, "batch", classes);
        g.Output(g.Softmax(logits, 1), OnnxManifest.ProbabilitiesOutput, TensorProto.Types.DataType.Float, "batch", classes);
        return g.ToModel(producerVersion, $"changwen {model.Options.Kind.ToString().ToLowerInvariant()} text classifier");
    }

    private static OnnxManifest Manifest(TrainOptions options, TextClassifierModel model, string changwen)
    {
        var withBigrams = model is FastText && options.Model.WordNgrams >= 2;
        var inputs = new List<OnnxTensor>
        {
            new(OnnxManifest.IdsInput, "int64", ["batch", "seq"], "vocabulary ids of each row, padded with pad_id (see text)"),
            new(OnnxManifest.LengthsInput, "int64", ["batch"], "real (non-pad) tokens in each row; not read by this graph, which masks id 0"),
        };
        if (withBigrams)
            inputs.Add(new(FastTextGraph.BigramInput, "int64", ["batch", "seq"], "bucket of the word bigram starting at each column, -1 where none (see bigrams)"));
        string classes = model.NumClasses.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tokenizer = options.Tokenizer;
        var encoding = options.Encoding;
        return new OnnxManifest(
            OnnxManifest.CurrentVersion, changwen, Lower(options.Model.Kind), OnnxManifest.ModelFile, OnnxGraphBuilder.Opset,
            inputs,
            [
                new(OnnxManifest.LogitsOutput, "float32", ["batch", classes], "class scores before softmax"),
                new(OnnxManifest.ProbabilitiesOutput, "float32", ["batch", classes], "softmax of logits; class index = position in labels"),
            ],
            RunFolder.VocabularyFile, RunFolder.LabelsFile,
            new TextProcessing(
                Lower(tokenizer.Kind), tokenizer.Version, Lower(tokenizer.Normalize),
                tokenizer.UserDictionary is null ? null : RunFolder.UserDictionaryFile,
                tokenizer.StopWords is null ? null : RunFolder.StopWordsFile,
                encoding.MaxLen, Lower(encoding.Truncate), Lower(encoding.Pad), Vocabulary.PadId, Vocabulary.UnknownId),
            withBigrams ? new BigramHashing(FastTextGraph.BigramInput, options.Model.NgramBuckets, "fnv1a64(le_int64(first) ++ le_int64(second)) mod buckets") : null);
    }

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static void CopyFile(string source, string target)
    {
        if (!File.Exists(source))
            throw UserInputException.At(source, null, "missing, but options.json names it. Restore it from the training run");
        AtomicFile.WriteAllBytes(target, File.ReadAllBytes(source));
    }

    private static string Resolve(string dir, string path) => Path.IsPathRooted(path) ? path : Path.Combine(dir, path);
}

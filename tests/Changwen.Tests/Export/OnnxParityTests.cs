using Changwen.Export;
using TorchSharp;
using Changwen.Models;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace Changwen.Tests.Export;

/// <summary>
/// Every exported graph computes what the libtorch module computes: a tiny seeded network of each kind and variant,
/// its weights scaled up so that a wrong gate order or a misread pad moves the output, scored on the same batches
/// (post- and pre-padded rows, a one-word row, an empty row, two batch sizes and widths) by libtorch and by ONNX
/// Runtime: probabilities and logits within 1e-4, the same argmax.
/// </summary>
[Collection("torch")]
public sealed class OnnxParityTests
{
    private const double Tolerance = 1e-4;
    private const int Vocab = 40, Classes = 3;

    public static TheoryData<string> Variants() =>
    [
        "fasttext", "fasttext-words", "textcnn", "textcnn-one-width",
        "lstm-last", "lstm-true-last", "lstm-mean", "lstm-max", "lstm-attention",
        "lstm-bi-true-last", "lstm-bi-last", "lstm-2-layers-bi-attention", "lstm-2-layers-mean",
        "mergenet-last", "mergenet-bi-max", "mergenet-true-last",
    ];

    private static ModelOptions Options(string variant)
    {
        var o = new ModelOptions { EmbeddingDim = 8, HiddenDim = 6, KernelSize = 3, PkernelSize = 2, Filters = 5, FilterWidths = "2,3,4", NgramBuckets = 50 };
        return variant switch
        {
            "fasttext" => o with { Kind = ModelKind.Fasttext },
            "fasttext-words" => o with { Kind = ModelKind.Fasttext, WordNgrams = 1 },
            "textcnn" => o with { Kind = ModelKind.Textcnn },
            "textcnn-one-width" => o with { Kind = ModelKind.Textcnn, FilterWidths = "3" },
            "lstm-last" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Last },
            "lstm-true-last" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.TrueLast },
            "lstm-mean" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Mean },
            "lstm-max" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Max },
            "lstm-attention" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Attention },
            "lstm-bi-true-last" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.TrueLast, Bidirectional = true },
            "lstm-bi-last" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Last, Bidirectional = true },
            "lstm-2-layers-bi-attention" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Attention, Bidirectional = true, LayerDim = 2 },
            "lstm-2-layers-mean" => o with { Kind = ModelKind.Lstm, Pool = PoolKind.Mean, LayerDim = 2 },
            "mergenet-last" => o with { Kind = ModelKind.Mergenet, Pool = PoolKind.Last },
            "mergenet-bi-max" => o with { Kind = ModelKind.Mergenet, Pool = PoolKind.Max, Bidirectional = true },
            "mergenet-true-last" => o with { Kind = ModelKind.Mergenet, Pool = PoolKind.TrueLast },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Onnx_runtime_scores_what_libtorch_scores(string variant)
    {
        using var model = ModelFactory.Create(Options(variant), Vocab, Classes, seed: 11);
        Sharpen(model);
        model.eval();
        var bytes = OnnxExporter.BuildModel(model).ToByteArray();
        using var session = new InferenceSession(bytes);

        // Two batches of different sizes and widths through one session: batch and sequence axes are dynamic.
        foreach (var (rows, width, seed) in new[] { (7, 20, 3), (2, 9, 4) })
        {
            var (ids, lengths) = Batch(rows, width, seed);
            var (torchLogits, torchProbabilities) = Libtorch(model, ids, lengths, rows, width);
            var (onnxLogits, onnxProbabilities) = Onnx(session, model.Options, ids, lengths, rows, width);
            Assert.Equal(torchLogits.Length, onnxLogits.Length);
            var worst = 0.0;
            for (var i = 0; i < torchLogits.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(torchProbabilities[i] - onnxProbabilities[i]));
                Assert.True(Math.Abs(torchLogits[i] - onnxLogits[i]) <= Tolerance, $"{variant}: logit {i} libtorch {torchLogits[i]} onnx {onnxLogits[i]}");
            }
            Assert.True(worst <= Tolerance, $"{variant}: max |Δprob| {worst}");
            for (var r = 0; r < rows; r++)
                Assert.Equal(ArgMax(torchProbabilities.AsSpan(r * Classes, Classes)), ArgMax(onnxProbabilities.AsSpan(r * Classes, Classes)));
        }
    }

    /// <summary>
    /// Rows of every kind the models meet: full, post-padded, pre-padded, one word, no word. Ids avoid 0 inside a row,
    /// as the encoder never writes a pad between words.
    /// </summary>
    internal static (long[] Ids, long[] Lengths) Batch(int rows, int width, int seed)
    {
        var random = new Random(seed);
        var ids = new long[rows * width];
        var lengths = new long[rows];
        for (var r = 0; r < rows; r++)
        {
            var length = r switch { 0 => width, 1 => 1, 2 => 0, _ => random.Next(2, width) };
            var pre = r % 2 == 1;
            var offset = pre ? width - length : 0;
            for (var t = 0; t < length; t++) ids[r * width + offset + t] = random.Next(1, Vocab);
            lengths[r] = length;
        }
        return (ids, lengths);
    }

    /// <summary>Multiplies every weight by 3 (and spreads BatchNorm's statistics), so that differences show.</summary>
    private static void Sharpen(TextClassifierModel model)
    {
        using var noGrad = no_grad();
        using var three = 3.0.ToScalar();
        using var half = 0.5.ToScalar();
        foreach (var (_, parameter) in model.named_parameters()) parameter.mul_(three);
        if (model is MergeNet mergeNet)
        {
            using var scope = NewDisposeScope();
            var bn = mergeNet.BatchNorm;
            bn.running_mean!.copy_(randn(bn.running_mean.shape, generator: new TorchSharp.torch.Generator(5)));
            bn.running_var!.copy_(rand(bn.running_var.shape, generator: new TorchSharp.torch.Generator(6)).add_(half));
        }
    }

    private static (float[] Logits, float[] Probabilities) Libtorch(TextClassifierModel model, long[] ids, long[] lengths, int rows, int width)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.call(tensor(ids, [rows, width]), tensor(lengths));
        return (logits.data<float>().ToArray(), nn.functional.softmax(logits, 1).data<float>().ToArray());
    }

    private static (float[] Logits, float[] Probabilities) Onnx(InferenceSession session, ModelOptions options, long[] ids, long[] lengths, int rows, int width)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor(OnnxManifest.IdsInput, new DenseTensor<long>(ids, [rows, width])),
            NamedOnnxValue.CreateFromTensor(OnnxManifest.LengthsInput, new DenseTensor<long>(lengths, [rows])),
        };
        if (options.Kind == ModelKind.Fasttext && options.WordNgrams == 2)
            inputs.Add(NamedOnnxValue.CreateFromTensor(FastTextGraph.BigramInput,
                new DenseTensor<long>(Changwen.Models.FastTextBigrams.PerColumn(ids, rows, width, options.NgramBuckets), [rows, width])));
        using var results = session.Run(inputs);
        var byName = results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
        return (byName[OnnxManifest.LogitsOutput], byName[OnnxManifest.ProbabilitiesOutput]);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}

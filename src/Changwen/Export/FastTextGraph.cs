using Changwen.Models;

namespace Changwen.Export;

/// <summary>
/// <see cref="FastText"/> as an ONNX graph. The bigram buckets are hashed on the host (FNV-1a 64-bit of the two ids,
/// <see cref="FastTextBigrams.Bucket"/>; the manifest describes it) and enter as a second input
/// <c>bigram_buckets [batch, seq]</c>: column t holds the bucket of (ids[t], ids[t+1]) when both are words, else -1
/// (<see cref="FastTextBigrams.PerColumn"/>). The graph then sums the word and bigram embeddings of each row and divides by
/// the count of both, which is the mean the EmbeddingBag computes.
/// </summary>
internal static class FastTextGraph
{
    public const string BigramInput = "bigram_buckets";

    public static string Build(OnnxGraphBuilder g, ModelWeights w, ModelOptions options, string ids)
    {
        var zero = g.Int64Scalar(0);
        var wordMask = g.CastToFloat(g.Not(g.Equal(ids, zero)));                              // [B,T]
        var words = g.Mul(g.Gather(w.Add(g, "embedding.weight"), ids), g.Unsqueeze(wordMask, 2)); // [B,T,E]
        var sum = g.ReduceSum(words, 1, keepDims: false);                                      // [B,E]
        var count = g.ReduceSum(wordMask, 1, keepDims: true);                                  // [B,1]
        if (options.WordNgrams >= 2)
        {
            g.Input(BigramInput, Onnx.TensorProto.Types.DataType.Int64, "batch", "seq");
            var present = g.GreaterOrEqual(BigramInput, zero);
            var bigramMask = g.CastToFloat(present);
            var buckets = g.Where(present, BigramInput, zero);                                 // -1 would index from the end
            var bigrams = g.Mul(g.Gather(w.Add(g, "ngrams.weight"), buckets), g.Unsqueeze(bigramMask, 2));
            sum = g.Add(sum, g.ReduceSum(bigrams, 1, keepDims: false));
            count = g.Add(count, g.ReduceSum(bigramMask, 1, keepDims: true));
        }
        var mean = g.Div(sum, g.Max(count, g.FloatScalar(1f)));                                // an empty row: 0
        return g.Linear(mean, w.Add(g, "fc.weight"), w.Add(g, "fc.bias"));
    }
}

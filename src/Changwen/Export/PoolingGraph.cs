using Changwen.Models;

namespace Changwen.Export;

/// <summary>
/// <see cref="SequencePooling"/> as ONNX operators: LSTM output <c>rOut [B,T,D]</c> and the real-step mask
/// <c>[B,T]</c> (bool) to one vector per row <c>[B,D]</c>, with the same rules for pads and empty rows. A row's step
/// at a per-row index is read as a sum with a one-hot weight (x·1 + 0·others), which is exact.
/// </summary>
internal static class PoolingGraph
{
    public static string Build(OnnxGraphBuilder g, ModelWeights w, PoolKind kind, int hidden, bool bidirectional, string rOut, string mask) =>
        kind switch
        {
            PoolKind.Last => Last(g, hidden, bidirectional, rOut),
            PoolKind.TrueLast => TrueLast(g, hidden, bidirectional, rOut, mask),
            PoolKind.Mean => Mean(g, rOut, mask),
            PoolKind.Max => Max(g, rOut, mask),
            PoolKind.Attention => Attention(g, w, rOut, mask),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown pooling"),
        };

    /// <summary>The final column; bidirectional: forward at the final column, backward at column 0.</summary>
    private static string Last(OnnxGraphBuilder g, int hidden, bool bidirectional, string rOut)
    {
        var final = g.Gather(rOut, g.Int64Scalar(-1), axis: 1);                                  // [B,D]
        if (!bidirectional) return final;
        var first = g.Gather(rOut, g.Int64Scalar(0), axis: 1);
        return g.Concat(1, g.Slice(final, 1, 0, hidden), g.Slice(first, 1, hidden, 2L * hidden));
    }

    private static string TrueLast(OnnxGraphBuilder g, int hidden, bool bidirectional, string rOut, string mask)
    {
        var steps = g.Dim(mask, 1);
        var positions = g.Node("Range", [g.Int64Scalar(0), steps, g.Int64Scalar(1)]);            // [T]
        // SequencePooling.LastRealIndex: the last real step, or the final column for a row without one.
        var last = g.ReduceMax(g.Where(mask, positions, g.Int64Scalar(-1)), 1, keepDims: false);
        last = g.Where(g.Less(last, g.Int64Scalar(0)), g.Sub(steps, g.Int64Scalar(1)), last);
        var forwardPart = bidirectional ? g.Slice(rOut, 2, 0, hidden) : rOut;
        var atLast = AtStep(g, forwardPart, positions, last);
        if (!bidirectional) return atLast;
        // SequencePooling.FirstRealIndex: the first real step, or column 0.
        var first = g.ReduceMin(g.Where(mask, positions, steps), 1, keepDims: false);
        first = g.Where(g.GreaterOrEqual(first, steps), g.Int64Scalar(0), first);
        return g.Concat(1, atLast, AtStep(g, g.Slice(rOut, 2, hidden, 2L * hidden), positions, first));
    }

    /// <summary><c>values[b, index[b], :]</c> for <c>values [B,T,D]</c>, <c>index [B]</c>.</summary>
    private static string AtStep(OnnxGraphBuilder g, string values, string positions, string index)
    {
        var oneHot = g.CastToFloat(g.Equal(g.Unsqueeze(positions, 0), g.Unsqueeze(index, 1)));  // [B,T]
        return g.ReduceSum(g.Mul(values, g.Unsqueeze(oneHot, 2)), 1, keepDims: false);
    }

    private static string Mean(OnnxGraphBuilder g, string rOut, string mask)
    {
        var weights = g.Unsqueeze(g.CastToFloat(mask), 2);                                      // [B,T,1]
        var count = g.Max(g.ReduceSum(weights, 1, keepDims: false), g.FloatScalar(1f));         // [B,1]
        return g.Div(g.ReduceSum(g.Mul(rOut, weights), 1, keepDims: false), count);
    }

    private static string Max(OnnxGraphBuilder g, string rOut, string mask)
    {
        var masked = g.Where(g.Unsqueeze(mask, 2), rOut, g.FloatScalar(float.NegativeInfinity));
        var values = g.ReduceMax(masked, 1, keepDims: false);                                   // [B,D]
        return g.Where(AnyStep(g, mask), values, g.FloatScalar(0f));                            // an empty row: zeros
    }

    private static string Attention(OnnxGraphBuilder g, ModelWeights w, string rOut, string mask)
    {
        // score: Linear(D → 1). Its weight [1,D] holds the same numbers as its transpose [D,1], which MatMul wants.
        var scoreWeight = g.Weight("readout.score.weight.t", w.Values("readout.score.weight"), w.Shape("readout.score.weight")[1], 1);
        var scores = g.Squeeze(g.Add(g.Node("MatMul", [rOut, scoreWeight]), w.Add(g, "readout.score.bias")), 2); // [B,T]
        // SequencePooling.AttentionWeights: hide pads, but not in a row without real steps (keeps the softmax finite).
        var hide = g.And(g.Not(mask), AnyStep(g, mask));
        var weights = g.Softmax(g.Where(hide, g.FloatScalar(float.NegativeInfinity), scores), 1);
        weights = g.Where(mask, weights, g.FloatScalar(0f));
        return g.ReduceSum(g.Mul(rOut, g.Unsqueeze(weights, 2)), 1, keepDims: false);
    }

    /// <summary>Whether each row has a real step, <c>[B,1]</c> bool.</summary>
    private static string AnyStep(OnnxGraphBuilder g, string mask) =>
        g.Greater(g.ReduceMax(g.CastToFloat(mask), 1, keepDims: true), g.FloatScalar(0f));
}

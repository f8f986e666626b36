using Changwen.Models;
using static Changwen.Export.OnnxGraphBuilder;

namespace Changwen.Export;

/// <summary>
/// <see cref="LstmClassifier"/> and <see cref="MergeNet"/> as ONNX graphs: the embedding (and for MergeNet the
/// Conv1d → BatchNorm1d → ReLU → MaxPool1d front), one ONNX LSTM node per layer, the pooling
/// (<see cref="PoolingGraph"/>) and the Linear. The models run their LSTM over the whole padded row (no packing), so
/// the LSTM nodes get no sequence_lens either: pads are read exactly as libtorch reads them.
/// </summary>
internal static class RecurrentGraph
{
    public static string BuildLstm(OnnxGraphBuilder g, ModelWeights w, ModelOptions options, string ids)
    {
        var timeMajor = g.Transpose(g.Gather(w.Add(g, "embedding.weight"), ids), 1, 0, 2);     // [T,B,E]
        var rOut = LstmStack(g, w, options, timeMajor);                                          // [B,T,D]
        var mask = g.Not(g.Equal(ids, g.Int64Scalar(0)));                                       // [B,T]
        return Classify(g, w, options, rOut, mask);
    }

    public static string BuildMergeNet(OnnxGraphBuilder g, ModelWeights w, MergeNet model, string ids)
    {
        var options = model.Options;
        var embeds = g.Transpose(g.Gather(w.Add(g, "embedding.weight"), ids), 0, 2, 1);         // [B,E,T]
        var conv = g.Node("Conv", [embeds, w.Add(g, "conv.weight"), w.Add(g, "conv.bias")]);
        var normalized = g.Node("BatchNormalization",
            [conv, w.Add(g, "bn.weight"), w.Add(g, "bn.bias"), w.Add(g, "bn.running_mean"), w.Add(g, "bn.running_var")],
            null, Float("epsilon", (float)model.BatchNorm.eps));
        var pooled = g.Node("MaxPool", [g.Relu(normalized)], null,
            Ints("kernel_shape", options.PkernelSize), Ints("strides", options.PkernelSize));  // [B,E,T']
        var rOut = LstmStack(g, w, options, g.Transpose(pooled, 2, 0, 1));                      // [B,T',D]
        // MergeNet.PooledMask: a step is real when any word it sees is.
        var tokenMask = g.Unsqueeze(g.CastToFloat(g.Not(g.Equal(ids, g.Int64Scalar(0)))), 1);   // [B,1,T]
        var convMask = g.Node("MaxPool", [tokenMask], null, Ints("kernel_shape", options.KernelSize), Ints("strides", 1));
        var stepMask = g.Node("MaxPool", [convMask], null, Ints("kernel_shape", options.PkernelSize), Ints("strides", options.PkernelSize));
        var mask = g.Greater(g.Squeeze(stepMask, 1), g.FloatScalar(0f));                        // [B,T']
        return Classify(g, w, options, rOut, mask);
    }

    private static string Classify(OnnxGraphBuilder g, ModelWeights w, ModelOptions options, string rOut, string mask)
    {
        var features = PoolingGraph.Build(g, w, options.Pool, options.HiddenDim, options.Bidirectional, rOut, mask);
        return g.Linear(features, w.Add(g, "fc.weight"), w.Add(g, "fc.bias"));
    }

    /// <summary>
    /// PyTorch's multi-layer batch-first LSTM over a time-major input <c>[T,B,in]</c>; returns its output batch-first
    /// <c>[B,T,D]</c>, D = H or 2H with the forward direction first (PyTorch's layout).
    /// </summary>
    private static string LstmStack(OnnxGraphBuilder g, ModelWeights w, ModelOptions options, string x)
    {
        var hidden = options.HiddenDim;
        string[] suffixes = options.Bidirectional ? ["", "_reverse"] : [""];
        for (var layer = 0; layer < options.LayerDim; layer++)
        {
            string Stack(string kind) =>
                Gates(g, w, suffixes.Select(s => $"lstm.{kind}_l{layer}{s}").ToArray(), hidden, $"lstm.{kind}_l{layer}.onnx");
            var weightIn = Stack("weight_ih");                      // W [dirs,4H,in]
            var weightHidden = Stack("weight_hh");                  // R [dirs,4H,H]
            var bias = Biases(g, w, layer, suffixes, hidden);       // B [dirs,8H]
            var y = g.Node("LSTM", [x, weightIn, weightHidden, bias], null,
                Int("hidden_size", hidden), String("direction", options.Bidirectional ? "bidirectional" : "forward")); // Y [T,dirs,B,H]
            x = g.Reshape(g.Transpose(y, 0, 2, 1, 3), 0, 0, -1);   // [T,B,dirs·H]: the next layer's input
        }
        return g.Transpose(x, 1, 0, 2);
    }

    /// <summary>
    /// PyTorch stacks the gate blocks i, f, g, o; ONNX expects i, o, f, c (c = PyTorch's g). Returns the block order that
    /// turns the first into the second.
    /// </summary>
    private static readonly int[] OnnxGateOrder = [0, 3, 1, 2];

    /// <summary>The weights named (one per direction) with their gate blocks in ONNX order, stacked: <c>[dirs,4H,cols]</c>.</summary>
    private static string Gates(OnnxGraphBuilder g, ModelWeights w, string[] names, int hidden, string onnxName)
    {
        var cols = w.Shape(names[0]) is [_, var c] ? c : 1;
        var block = hidden * (int)cols;
        var result = new float[names.Length * 4 * block];
        for (var d = 0; d < names.Length; d++)
        {
            var values = w.Values(names[d]);
            for (var gate = 0; gate < 4; gate++)
                values.AsSpan(OnnxGateOrder[gate] * block, block).CopyTo(result.AsSpan((d * 4 + gate) * block, block));
        }
        return g.Weight(onnxName, result, names.Length, 4L * hidden, cols);
    }

    /// <summary>ONNX's B <c>[dirs,8H]</c>: each direction's input bias then hidden bias, gates in ONNX order.</summary>
    private static string Biases(OnnxGraphBuilder g, ModelWeights w, int layer, string[] suffixes, int hidden)
    {
        var result = new float[suffixes.Length * 8 * hidden];
        for (var d = 0; d < suffixes.Length; d++)
            for (var half = 0; half < 2; half++)
            {
                var values = w.Values($"lstm.{(half == 0 ? "bias_ih" : "bias_hh")}_l{layer}{suffixes[d]}");
                for (var gate = 0; gate < 4; gate++)
                    values.AsSpan(OnnxGateOrder[gate] * hidden, hidden).CopyTo(result.AsSpan(d * 8 * hidden + half * 4 * hidden + gate * hidden, hidden));
            }
        return g.Weight($"lstm.bias_l{layer}.onnx", result, suffixes.Length, 8L * hidden);
    }
}

using Changwen.Models;
using static Changwen.Export.OnnxGraphBuilder;

namespace Changwen.Export;

/// <summary>
/// <see cref="TextCnn"/> as an ONNX graph: the same wide convolution (widest − 1 pads on both sides), ReLU, and a max
/// over the windows that hold a word. The model masks the other windows with −∞ and gives a row without words zeros;
/// since ReLU outputs are ≥ 0, multiplying them by the window mask (0 or 1) before the max gives exactly the same
/// values with one operator less.
/// </summary>
internal static class TextCnnGraph
{
    public static string Build(OnnxGraphBuilder g, ModelWeights w, TextCnn model, string ids)
    {
        var widest = model.Widths.Max();
        var margin = widest - 1;
        var padded = margin > 0 ? g.Node("Pad", [ids, g.Int64Vector(0, margin, 0, margin), g.Int64Scalar(0)]) : ids;
        var mask = g.Unsqueeze(g.CastToFloat(g.Not(g.Equal(padded, g.Int64Scalar(0)))), 1);        // [B,1,T]
        var embeds = g.Transpose(g.Gather(w.Add(g, "embedding.weight"), padded), 0, 2, 1);         // [B,E,T]
        var pooled = new string[model.Widths.Count];
        for (var i = 0; i < pooled.Length; i++)
        {
            var width = model.Widths[i];
            var activations = g.Relu(g.Node("Conv", [embeds, w.Add(g, $"conv.{i}.weight"), w.Add(g, $"conv.{i}.bias")]));
            var realWindow = g.Node("MaxPool", [mask], null, Ints("kernel_shape", width), Ints("strides", 1)); // [B,1,T-w+1]
            pooled[i] = g.ReduceMax(g.Mul(activations, realWindow), 2, keepDims: false);            // [B,F]
        }
        var features = pooled.Length == 1 ? pooled[0] : g.Concat(1, pooled);
        return g.Linear(features, w.Add(g, "fc.weight"), w.Add(g, "fc.bias"));
    }
}

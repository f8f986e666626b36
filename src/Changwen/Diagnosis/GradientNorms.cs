using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Diagnosis;

/// <summary>
/// Gradient L2 norms per part of the network, read after <c>loss.backward()</c> (and before clipping): how strongly
/// each part is being trained. Parameters are grouped by their name, which the models keep from the original post.
/// </summary>
public static partial class GradientNorms
{
    public const string Embedding = "embedding";
    /// <summary>MergeNet's convolution and its BatchNorm.</summary>
    public const string Conv = "conv";
    /// <summary>The output layer(s): <c>fc</c>, and <c>attention</c> when that pooling exists.</summary>
    public const string Classifier = "classifier";
    public const string LstmLayerPrefix = "lstm layer ";

    public static string LstmLayer(int layer) => LstmLayerPrefix + layer;

    /// <summary>
    /// The group of a parameter name: <c>embedding.*</c> → embedding, <c>conv.*</c>/<c>bn.*</c> → conv,
    /// <c>lstm.*_l{k}</c> (also <c>_l{k}_reverse</c>) → "lstm layer k", <c>fc.*</c>/<c>attention.*</c> → classifier;
    /// anything else by its first name segment.
    /// </summary>
    public static string GroupOf(string parameterName)
    {
        var head = parameterName.Split('.')[0];
        switch (head)
        {
            case "embedding": return Embedding;
            case "conv" or "bn": return Conv;
            case "fc" or "attention": return Classifier;
            case "lstm":
                var layer = LstmLayerSuffix().Match(parameterName);
                return layer.Success ? LstmLayer(int.Parse(layer.Groups[1].Value)) : "lstm";
            default: return head;
        }
    }

    /// <summary>
    /// The L2 norm of the gradients of each group: √(Σ over the group's parameters of ‖grad‖²). Parameters without a
    /// gradient (frozen, or no backward pass yet) are left out; a group with none is absent.
    /// </summary>
    public static IReadOnlyDictionary<string, double> ByGroup(nn.Module model)
    {
        var squares = new Dictionary<string, double>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            if (grad is null) continue;
            // Per-parameter norms come from libtorch; summing their squares in double keeps tiny norms from underflowing.
            var norm = grad.norm().item<float>();
            var group = GroupOf(name);
            squares[group] = squares.GetValueOrDefault(group) + (double)norm * norm;
        }
        return squares.ToDictionary(kv => kv.Key, kv => Math.Sqrt(kv.Value));
    }

    [GeneratedRegex(@"_l(\d+)(_reverse)?$")]
    private static partial Regex LstmLayerSuffix();
}

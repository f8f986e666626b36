using Changwen.Models;
using static TorchSharp.torch;

namespace Changwen.Export;

/// <summary>
/// The weights of a loaded model (its state dict: parameters and BatchNorm statistics) copied out of libtorch as flat
/// float arrays, by their saved names (<c>embedding.weight</c>, <c>lstm.weight_ih_l0</c>, <c>fc.bias</c>, ...).
/// </summary>
internal sealed class ModelWeights
{
    private readonly Dictionary<string, (float[] Values, long[] Shape)> tensors = new(StringComparer.Ordinal);

    public ModelWeights(TextClassifierModel model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (tensor.dtype != ScalarType.Float32) continue; // num_batches_tracked (int64) is not needed for inference
            tensors[name] = (tensor.detach().cpu().contiguous().data<float>().ToArray(), tensor.shape);
        }
    }

    public bool Has(string name) => tensors.ContainsKey(name);

    public float[] Values(string name) => Get(name).Values;

    public long[] Shape(string name) => Get(name).Shape;

    /// <summary>Adds the weight to the graph as an initializer of its own shape, under its own name.</summary>
    public string Add(OnnxGraphBuilder graph, string name) => graph.Weight(name, Values(name), Shape(name));

    private (float[] Values, long[] Shape) Get(string name) =>
        tensors.TryGetValue(name, out var t) ? t
            : throw new InvalidOperationException($"the model has no weight '{name}' (it has {string.Join(", ", tensors.Keys)})");
}

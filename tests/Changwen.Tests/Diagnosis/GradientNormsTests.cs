using Changwen.Diagnosis;
using Changwen.Models;
using Changwen.Tests.Training;
using Changwen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Tests.Diagnosis;

[Collection("torch")]
public sealed class GradientNormsTests
{
    [Theory]
    [InlineData("embedding.weight", "embedding")]
    [InlineData("conv.weight", "conv")]
    [InlineData("bn.bias", "conv")]
    [InlineData("lstm.weight_ih_l0", "lstm layer 0")]
    [InlineData("lstm.bias_hh_l1", "lstm layer 1")]
    [InlineData("lstm.weight_hh_l2_reverse", "lstm layer 2")]
    [InlineData("fc.weight", "classifier")]
    [InlineData("attention.weight", "classifier")]
    [InlineData("highway.weight", "highway")]
    public void Groups_parameters_by_name_prefix(string name, string group) => Assert.Equal(group, GradientNorms.GroupOf(name));

    [Theory]
    [InlineData(ModelKind.Lstm, new[] { "embedding", "lstm layer 0", "lstm layer 1", "classifier" })]
    [InlineData(ModelKind.Mergenet, new[] { "embedding", "conv", "lstm layer 0", "lstm layer 1", "classifier" })]
    public void Measures_the_L2_norm_of_each_groups_gradients_after_a_backward_pass(ModelKind kind, string[] groups)
    {
        var options = new ModelOptions { Kind = kind, EmbeddingDim = 8, HiddenDim = 8, LayerDim = 2, KernelSize = 3, PkernelSize = 4 };
        using var model = ModelFactory.Create(options, vocabSize: 30, numClasses: 3, seed: 5);
        Assert.Empty(GradientNorms.ByGroup(model)); // no backward pass yet: no gradients

        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var ids = randint(1, 30, [4, 20], dtype: ScalarType.Int64);
        var loss = nn.functional.cross_entropy(model.call(ids, tensor(new long[] { 20, 15, 10, 5 })), tensor(new long[] { 0, 1, 2, 1 }));
        loss.backward();

        var norms = GradientNorms.ByGroup(model);
        Assert.Equal(groups.Order(), norms.Keys.Order());
        foreach (var group in groups)
        {
            // Independently: every gradient of the group flattened into one vector, then its norm.
            var grads = model.named_parameters().Where(p => GradientNorms.GroupOf(p.name) == group).Select(p => p.parameter.grad!.flatten()).ToArray();
            var expected = cat(grads).norm().item<float>();
            Assert.True(expected > 0, $"{group} has no gradient");
            Assert.Equal(expected, norms[group], expected * 1e-4);
        }
    }

    [Fact]
    public void Counts_predicted_classes_from_logits()
    {
        using var scope = NewDisposeScope();
        var counts = new long[3];
        PredictionCounts.Add(counts, tensor(new float[,] { { 0, 5, 1 }, { 2, 0, 1 }, { 0, 1, 9 }, { 0, 3, 1 } }));
        PredictionCounts.Add(counts, tensor(new float[,] { { 0, 5, 1 } }));
        Assert.Equal([1L, 3L, 1L], counts);
        Assert.Throws<ArgumentException>(() => PredictionCounts.Add(counts, zeros(2, 4)));
        Assert.Equal([2L, 0L, 1L], PredictionCounts.Of([0, 2, 0], 3));
    }
}

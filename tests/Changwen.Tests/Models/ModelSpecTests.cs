using Changwen.Models;

namespace Changwen.Tests.Models;

/// <summary>One spec per model kind (<see cref="ModelSpecs"/>): a kind is its spec and its registration line.</summary>
[Collection("torch")] // builds seeded models: torch's global generator is shared
public class ModelSpecTests
{
    [Fact]
    public void Every_model_kind_has_exactly_one_spec()
    {
        Assert.Equal(Enum.GetValues<ModelKind>().Order(), ModelSpecs.All.Select(s => s.Kind).Order());
        Assert.Equal(ModelSpecs.All.Count, ModelSpecs.All.Select(s => s.Name).Distinct().Count());
        foreach (var kind in Enum.GetValues<ModelKind>())
        {
            Assert.Equal(kind, ModelSpecs.Of(kind).Kind);
            Assert.StartsWith(kind.ToString().ToLowerInvariant(), ModelSpecs.Of(kind).Summary);
        }
    }

    [Fact]
    public void A_network_spec_builds_its_network_and_the_others_build_none()
    {
        foreach (var spec in ModelSpecs.All)
        {
            var options = ModelDefaults.For(spec.Kind).Model with { EmbeddingDim = 8, HiddenDim = 8, Filters = 4 };
            if (spec.IsNetwork)
            {
                using var model = ModelFactory.Create(options, vocabSize: 20, numClasses: 3, seed: 1);
                Assert.Equal(spec.Kind, model.Options.Kind);
            }
            else Assert.Throws<NotSupportedException>(() => spec.Create(options, 20, 3));
        }
    }

    [Fact]
    public void Each_kind_checks_its_own_options_in_the_one_validation()
    {
        var textcnn = ModelDefaults.For(ModelKind.Textcnn);
        ModelSpecs.Validate(textcnn);
        Assert.Contains("filter widths", Assert.Throws<UserInputException>(() =>
            ModelSpecs.Validate(textcnn with { Model = textcnn.Model with { FilterWidths = "2,x" } })).Message);
        // The same string means nothing to a kind without filters.
        var lstm = ModelDefaults.For(ModelKind.Lstm);
        ModelSpecs.Validate(lstm with { Model = lstm.Model with { FilterWidths = "2,x" } });
        var auto = ModelDefaults.For(ModelKind.Auto);
        Assert.Contains("--time-budget", Assert.Throws<UserInputException>(() =>
            ModelSpecs.Validate(auto with { Model = auto.Model with { TimeBudget = 0 } })).Message);
    }

    [Fact]
    public void Only_the_recurrent_kinds_read_padding_and_mergenet_pools_its_steps()
    {
        var options = new ModelOptions { Pool = PoolKind.Last, KernelSize = 3, PkernelSize = 10 };
        Assert.Equal([ModelKind.Lstm, ModelKind.Mergenet],
            ModelSpecs.All.Where(s => s.ReadsLastColumn(options with { Kind = s.Kind })).Select(s => s.Kind).Order());
        var mergenet = ModelSpecs.Of(ModelKind.Mergenet);
        Assert.Equal(10, mergenet.RecurrentSteps(options, 100));
        // 100-word rows: (100 − 3 + 1) / 10 = 9 pooled steps, ⌈25/10⌉ = 3 of them hold words.
        Assert.Equal(6, mergenet.PadStepsRead(options, length: 25, maxLen: 100));
        Assert.Equal(75, ModelSpecs.Of(ModelKind.Lstm).PadStepsRead(options, length: 25, maxLen: 100));
    }
}

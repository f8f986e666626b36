using Changwen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Tests.Training;

/// <summary>Changwen's Adam is TorchSharp's Adam with Scalars kept alive: the same numbers and the same saved state.</summary>
[Collection("torch")]
public sealed class AdamTests
{
    private static List<TorchSharp.Modules.Parameter> Parameters(int seed)
    {
        random.manual_seed(seed);
        return [new(randn(5, 3)), new(randn(7)), new(randn(2, 2, 2))];
    }

    /// <summary>Steps with the same seeded gradients each step; returns the parameters afterwards.</summary>
    private static float[][] Train(TorchSharp.Modules.Adam optimizer, IList<TorchSharp.Modules.Parameter> parameters, int steps, int gradientSeed)
    {
        for (var s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            random.manual_seed(gradientSeed + s);
            foreach (var p in parameters) p.grad = randn(p.shape).MoveToOuterDisposeScope();
            optimizer.step();
        }
        return parameters.Select(p => p.detach().data<float>().ToArray()).ToArray();
    }

    [Fact]
    public void Steps_give_exactly_torchsharps_numbers()
    {
        var (ours, theirs) = (Parameters(3), Parameters(3));
        using var changwen = new Adam(ours, lr: 0.01);
        using var torchsharp = optim.Adam(theirs, lr: 0.01);

        var a = Train(changwen, ours, steps: 25, gradientSeed: 100);
        var b = Train(torchsharp, theirs, steps: 25, gradientSeed: 100);

        Assert.Equal(b, a);
        Assert.NotEqual(Parameters(3)[0].data<float>().ToArray(), a[0]);   // the steps moved the weights
    }

    [Fact]
    public void State_saved_by_torchsharps_adam_resumes_in_changwens_and_back()
    {
        var (ours, theirs) = (Parameters(4), Parameters(4));
        using var torchsharp = optim.Adam(theirs, lr: 0.01);
        Train(torchsharp, theirs, steps: 5, gradientSeed: 7);
        using var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) torchsharp.save_state_dict(writer);

        for (var i = 0; i < ours.Count; i++) ours[i].detach().copy_(theirs[i].detach());
        using var changwen = new Adam(ours, lr: 0.01);
        saved.Position = 0;
        using (var reader = new BinaryReader(saved, System.Text.Encoding.UTF8, leaveOpen: true)) changwen.load_state_dict(reader);

        Assert.Equal(Train(torchsharp, theirs, steps: 3, gradientSeed: 50), Train(changwen, ours, steps: 3, gradientSeed: 50));

        using var again = new MemoryStream();
        using (var writer = new BinaryWriter(again, System.Text.Encoding.UTF8, leaveOpen: true)) changwen.save_state_dict(writer);
        again.Position = 0;
        using var back = optim.Adam(Parameters(4), lr: 0.01);
        using var reader2 = new BinaryReader(again);
        back.load_state_dict(reader2);   // throws on a mismatched optimizer name or shape
    }
}

using System.Runtime.InteropServices;
using Changwen.Models;
using TorchSharp;

namespace Changwen.Tests.Models;

public class TorchRuntimeTests
{
    [Fact]
    public void Glibc_malloc_is_told_to_keep_freed_tensor_memory_unless_the_user_tuned_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        var tuned = TorchRuntime.KeepFreedMemory();
        Assert.Equal(!TorchRuntime.UserTunesMalloc, tuned);
        Assert.Equal(tuned, TorchRuntime.KeepFreedMemory());   // idempotent
        Assert.Equal(tuned, TorchRuntime.MallocTuned);
    }

    [Fact]
    public void One_thread_scope_restores_the_thread_count()
    {
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            using (TorchRuntime.OneThread())
                Assert.Equal(1, torch.get_num_threads());
            Assert.Equal(2, torch.get_num_threads());
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void Flushing_denormals_turns_a_denormal_operand_into_zero_on_the_calling_thread()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64) return;
        if (Environment.GetEnvironmentVariable(TorchRuntime.KeepDenormalsVariable) == "1") return;
        var (cleared, kept, flushed, zeroed) = (false, -1f, false, -1f);
        var thread = new Thread(() =>   // the setting is per thread: keep it off the test runner's threads
        {
            using var denormal = torch.tensor(1e-39f);   // below float32's smallest normal number, 1.18e-38
            float Doubled() { using var twice = denormal * 2f; return twice.item<float>(); }   // one element: on this thread
            cleared = TorchRuntime.SetDenormalFlushing(false);   // a test thread may inherit flushing from a trainer's
            kept = Doubled();
            flushed = TorchRuntime.FlushDenormals();
            zeroed = Doubled();
        });
        thread.Start();
        thread.Join();
        Assert.True(cleared);
        Assert.Equal(2e-39f, kept);
        Assert.True(flushed);
        Assert.Equal(0f, zeroed);
    }
}

/// <summary>Resident-size measurements: these tests run alone, so no other test's allocations move the figure.</summary>
[CollectionDefinition("resident size", DisableParallelization = true)]
public sealed class ResidentSizeCollection;

[Collection("resident size")]
public class ReleaseFreedMemoryTests
{
    /// <summary>
    /// With training's malloc settings, 256 MB freed stays resident; releasing it gives it back to the kernel. A small
    /// block allocated after the others keeps them off the top of the heap, where glibc could trim them on its own.
    /// </summary>
    [Fact]
    public void Releasing_freed_memory_hands_the_free_pages_of_mallocs_arenas_back_to_the_kernel()
    {
        if (!OperatingSystem.IsLinux() || !TorchRuntime.KeepFreedMemory()) return;
        const int blockBytes = 1 << 20, blocks = 256;
        var page = new byte[blockBytes];
        Array.Fill(page, (byte)1);
        var allocated = new IntPtr[blocks];
        for (var b = 0; b < blocks; b++)
        {
            allocated[b] = Marshal.AllocHGlobal(blockBytes);
            Marshal.Copy(page, 0, allocated[b], blockBytes);   // touched: resident
        }
        var guard = Marshal.AllocHGlobal(64);
        try
        {
            foreach (var block in allocated) Marshal.FreeHGlobal(block);
            var kept = Environment.WorkingSet;   // the resident size (VmRSS) on Linux
            TorchRuntime.ReleaseFreedMemory();
            var released = kept - Environment.WorkingSet;
            Assert.True(released > blocks * blockBytes / 2, $"{released / 1e6:F0} MB released of the {blocks * blockBytes / 1e6:F0} MB freed");
        }
        finally { Marshal.FreeHGlobal(guard); }
    }
}

/// <summary>oneDNN's switch is process-wide: these tests run alone, so no other test's LSTM sees it flip.</summary>
[CollectionDefinition("onednn", DisableParallelization = true)]
public sealed class OneDnnCollection;

[Collection("onednn")]
public class OneDnnTests
{
    [Fact]
    public void The_onednn_switch_reads_back_and_is_on_by_default()
    {
        Assert.True(TorchRuntime.OneDnnEnabled);
        var previous = TorchRuntime.SetOneDnn(false);
        try
        {
            Assert.True(previous);
            Assert.False(TorchRuntime.OneDnnEnabled);
        }
        finally
        {
            TorchRuntime.SetOneDnn(true);
        }
        Assert.True(TorchRuntime.OneDnnEnabled);
    }

    /// <summary>
    /// libtorch 2.x runs the LSTM's forward and backward through oneDNN by default; PyTorch 1.13 ran its own cell loop.
    /// Training keeps oneDNN (faster here, docs/benchmarks.md), so its loss and gradients must be the cell loop's within
    /// float32 rounding: the post's LSTM on a seeded 64-word batch, one training step each way from the same weights.
    /// </summary>
    [Fact]
    public void The_onednn_lstm_gives_the_cell_loops_loss_and_gradients_within_float_tolerance()
    {
        var withOneDnn = LossAndGradients();
        TorchRuntime.SetOneDnn(false);
        (float Loss, float[] Gradients) cellLoop;
        try { cellLoop = LossAndGradients(); }
        finally { TorchRuntime.SetOneDnn(true); }

        Assert.Equal(cellLoop.Loss, withOneDnn.Loss, 1e-5f);
        Assert.Equal(cellLoop.Gradients.Length, withOneDnn.Gradients.Length);
        var scale = cellLoop.Gradients.Max(Math.Abs);
        Assert.True(scale > 0);
        var worst = cellLoop.Gradients.Zip(withOneDnn.Gradients, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4f * scale, $"largest gradient difference {worst} against a largest gradient of {scale}");
    }

    private static (float Loss, float[] Gradients) LossAndGradients()
    {
        const int vocab = 300, classes = 5, rows = 8, length = 64;
        using var scope = torch.NewDisposeScope();
        using var model = ModelFactory.Create(new ModelOptions { Kind = ModelKind.Lstm, Pool = PoolKind.Last, ForgetBias = null }, vocab, classes, seed: 7);
        model.train();
        var generator = new Random(11);
        var ids = new long[rows * length];
        var lengths = new long[rows];
        for (var r = 0; r < rows; r++)
        {
            lengths[r] = generator.Next(length / 2, length + 1);
            for (var t = 0; t < lengths[r]; t++) ids[r * length + t] = generator.Next(1, vocab);
        }
        var labels = Enumerable.Range(0, rows).Select(r => (long)(r % classes)).ToArray();
        var loss = torch.nn.functional.cross_entropy(
            model.call(torch.tensor(ids, [rows, length]), torch.tensor(lengths)), torch.tensor(labels));
        loss.backward();
        var gradients = model.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        return (loss.item<float>(), gradients);
    }
}

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

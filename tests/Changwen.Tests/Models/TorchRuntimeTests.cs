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
}

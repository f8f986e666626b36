using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Changwen.Models;

/// <summary>Process-wide libtorch settings: how its worker threads wait, and how many there are.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// libtorch's OpenMP runtime (libgomp) reads <c>OMP_WAIT_POLICY</c> once, when libtorch is loaded. By default its
    /// idle worker threads spin. When every core is busy (another process, the GC, a second run) a spinning thread holds
    /// the core that the thread it waits for needs, and small operations such as an LSTM step get 10–100× slower
    /// (measured here, 2 threads with the other core busy: 1,000 [64×128]·[128×512] matmuls took 15.9 s spinning and
    /// 0.18 s passive; an LSTM step at 50 words 200 ms against 58 ms). So Changwen asks for passive waiting before
    /// libtorch loads, unless the user set the variable. This runs when the Changwen.Core assembly loads, which is
    /// before any of its code can touch TorchSharp. .NET's Environment.SetEnvironmentVariable does not reach the
    /// native environment on Unix, hence setenv.
    /// </summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before any code of this library can load libtorch; see above.")]
    internal static void PreferPassiveThreadWaiting()
    {
        if (OperatingSystem.IsWindows() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        try { setenv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* not glibc-like: keep the default */ }
    }

    /// <summary>Sets libtorch's intra-op threads; 0 means one per core.</summary>
    public static int SetThreads(int threads)
    {
        var n = threads > 0 ? threads : Environment.ProcessorCount;
        torch.set_num_threads(n);
        return n;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);
}

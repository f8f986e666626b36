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

    /// <summary>
    /// Keeps freed tensor memory in the process instead of handing it back to the kernel after every step. glibc's malloc
    /// serves blocks above its mmap threshold (at most 32 MB by default) with a fresh <c>mmap</c>, and returns the top of
    /// the heap once more than the trim threshold is free; an LSTM step allocates and frees tensors of tens to hundreds of
    /// megabytes (the gate pre-activations of a 64 × 500 batch are 65 MB), so every step paid for page faults on fresh
    /// memory: at 500 words about 100,000 minor faults and as much system as user CPU time per step (bench
    /// <c>step-profile</c>). Raising the mmap threshold to 1 GiB, the trim threshold to 2 GiB and the top pad to 256 MB
    /// cut that to about 9,000 faults and the step from 786 to 581 ms (docs/benchmarks.md). The cost: the resident size
    /// stays at the high-water mark of the run, which a training run reaches every step anyway; so training asks for it
    /// (<see cref="Training.Trainer"/>), and a server, whose requests vary, keeps glibc's defaults. Process-wide and
    /// idempotent; skipped when the user tunes malloc through the environment. Returns whether the settings are in force.
    /// </summary>
    public static bool KeepFreedMemory()
    {
        lock (MallocLock)
        {
            if (MallocTuned || !OperatingSystem.IsLinux()) return MallocTuned;
            if (UserTunesMalloc) return false;
            try
            {
                // mallopt returns 1 on success; M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3 (malloc.h).
                MallocTuned = mallopt(-3, 1 << 30) == 1 & mallopt(-1, int.MaxValue) == 1 & mallopt(-2, 256 << 20) == 1;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* not glibc (musl): keep its defaults */ }
            return MallocTuned;
        }
    }

    /// <summary>Whether <see cref="KeepFreedMemory"/> has put its settings in force in this process.</summary>
    public static bool MallocTuned { get; private set; }

    /// <summary>The user set glibc's malloc variables: theirs win.</summary>
    public static bool UserTunesMalloc =>
        new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" }
            .Any(v => Environment.GetEnvironmentVariable(v) is not null);

    private static readonly Lock MallocLock = new();

    /// <summary>Sets libtorch's intra-op threads; 0 means one per core.</summary>
    public static int SetThreads(int threads)
    {
        var n = threads > 0 ? threads : Environment.ProcessorCount;
        torch.set_num_threads(n);
        return n;
    }

    /// <summary>
    /// Runs libtorch on one thread until disposed, then restores the thread count. For small batches: an LSTM over one
    /// document is hundreds of tiny steps, and splitting each across threads costs more in waking and waiting than it
    /// saves (one 500-word document: 26 documents/s on 2 threads, 174 on 1; bench <c>torch-compare --cases b1</c>).
    /// OpenMP keeps the count per calling thread (libtorch also records it for threads that start later, and the scope
    /// puts that back too).
    /// </summary>
    public static IDisposable OneThread() => new OneThreadScope();

    private sealed class OneThreadScope : IDisposable
    {
        private readonly int previous = torch.get_num_threads();

        public OneThreadScope()
        {
            if (previous != 1) torch.set_num_threads(1);
        }

        public void Dispose()
        {
            if (torch.get_num_threads() != previous) torch.set_num_threads(previous);
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);
}

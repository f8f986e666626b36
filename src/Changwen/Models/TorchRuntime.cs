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
    /// stays at the main arena's high-water mark, which grows as the varying batch shapes fragment it over a long run
    /// (an LSTM at 500 words: 1.9 GB after 250 steps, 3.3 GB after 1,600 of a million-document epoch, where glibc's
    /// defaults keep 0.9 GB at two thirds of the speed; docs/benchmarks.md, "Session 8"), so training hands the free
    /// pages back every so many steps (<see cref="ReleaseFreedMemory"/>). Training asks for these settings
    /// (<see cref="Training.Trainer"/>); a server, whose requests vary, keeps glibc's defaults. Process-wide and
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

    /// <summary>
    /// Hands the free pages inside malloc's arenas back to the kernel (glibc's <c>malloc_trim</c>), once
    /// <see cref="KeepFreedMemory"/> has stopped glibc from doing it after every free: batches of varying shapes leave
    /// holes in the arena that later tensors do not fit, so it would grow with the steps taken (when and why it is called:
    /// <see cref="Training.Trainer.ReleaseMemoryEverySteps"/>). Does nothing when the settings are not in force (glibc's
    /// own trimming then runs) or where malloc is not glibc's.
    /// </summary>
    public static void ReleaseFreedMemory()
    {
        if (!MallocTuned) return;
        try { malloc_trim(0); }
        catch (EntryPointNotFoundException) { /* a libc without malloc_trim: nothing to hand back this way */ }
    }

    /// <summary>Whether <see cref="KeepFreedMemory"/> has put its settings in force in this process.</summary>
    public static bool MallocTuned { get; private set; }

    /// <summary>The user set glibc's malloc variables: theirs win.</summary>
    public static bool UserTunesMalloc =>
        new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" }
            .Any(v => Environment.GetEnvironmentVariable(v) is not null);

    private static readonly Lock MallocLock = new();

    /// <summary>
    /// Asks libtorch to flush denormal floats to zero on the calling thread (the FTZ and DAZ bits of x86's MXCSR), as
    /// PyTorch's <c>torch.set_flush_denormal(True)</c> does; TorchSharp 0.107 does not expose it, so this calls libtorch's
    /// own <c>at::Context::setFlushDenormal</c>. Why: an LSTM's gradient shrinks as it flows back through hundreds of
    /// steps until it reaches the denormal range (below 1.2e-38), and Intel cores compute on denormals through a
    /// microcode assist, tens of times slower. Measured on this project's Xeon (bench <c>step-profile</c>, LSTM, 500
    /// words, one thread): loss and backward took 2,608 ms a step with denormals and 257 ms flushed (docs/benchmarks.md).
    /// The values flushed are below anything a float32 model can use. The setting is per thread and threads inherit it
    /// from the thread that creates them (libtorch's OpenMP workers start at its first parallel operation), so call it on
    /// each thread that runs libtorch, before its first operation. Idempotent. Skipped when the environment sets
    /// <c>CHANGWEN_KEEP_DENORMALS=1</c> (to compare with a run that kept them). Returns whether flushing is in force;
    /// false where the CPU or the libtorch build cannot, and then nothing changed.
    /// </summary>
    public static bool FlushDenormals() =>
        Environment.GetEnvironmentVariable(KeepDenormalsVariable) != "1" && SetDenormalFlushing(true);

    /// <summary>Turns flushing denormals to zero on or off for the calling thread; false where it cannot.</summary>
    internal static bool SetDenormalFlushing(bool on)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return false;
        var setFlushDenormal = SetFlushDenormalExport.Value;
        if (setFlushDenormal == 0) return false;
        // A static member (Context.h), so the flag is the only argument. It sets or clears MXCSR's FTZ and DAZ bits and
        // returns false where the CPU lacks DAZ.
        unsafe { return ((delegate* unmanaged<byte, byte>)setFlushDenormal)(on ? (byte)1 : (byte)0) != 0; }
    }

    /// <summary>static bool at::Context::setFlushDenormal(bool), looked up once.</summary>
    private static readonly Lazy<nint> SetFlushDenormalExport = new(() => LibtorchExport("_ZN2at7Context16setFlushDenormalEb"));

    /// <summary>Set to 1, <see cref="FlushDenormals"/> leaves the CPU's handling of denormal floats alone.</summary>
    public const string KeepDenormalsVariable = "CHANGWEN_KEEP_DENORMALS";

    /// <summary>
    /// Whether libtorch may hand operations to oneDNN (<c>torch.backends.mkldnn.enabled</c> in PyTorch; on by default).
    /// In libtorch 2.x this includes the LSTM's forward and backward passes on float32 CPU tensors (aten's RNN.cpp
    /// <c>use_mkldnn</c>), which PyTorch 1.13 ran only through its own cell loop. TorchSharp 0.107 does not wrap the
    /// flag, so this calls <c>at::globalContext()</c> and its <c>setUserEnabledMkldnn</c>. Process-wide. Returns the
    /// previous setting, or null where the export is missing and nothing changed.
    /// </summary>
    public static bool? SetOneDnn(bool enabled)
    {
        var (context, get, set) = (GlobalContextExport.Value, UserEnabledMkldnnExport.Value, SetUserEnabledMkldnnExport.Value);
        if (context == 0 || get == 0 || set == 0) return null;
        unsafe
        {
            var self = ((delegate* unmanaged<nint>)context)();
            var previous = ((delegate* unmanaged<nint, byte>)get)(self) != 0;
            ((delegate* unmanaged<nint, byte, void>)set)(self, enabled ? (byte)1 : (byte)0);
            return previous;
        }
    }

    /// <summary>Whether libtorch may use oneDNN now (see <see cref="SetOneDnn"/>); null where the export is missing.</summary>
    public static bool? OneDnnEnabled
    {
        get
        {
            var (context, get) = (GlobalContextExport.Value, UserEnabledMkldnnExport.Value);
            if (context == 0 || get == 0) return null;
            unsafe { return ((delegate* unmanaged<nint, byte>)get)(((delegate* unmanaged<nint>)context)()) != 0; }
        }
    }

    /// <summary>at::globalContext(), Context::userEnabledMkldnn() const and Context::setUserEnabledMkldnn(bool), looked up once.</summary>
    private static readonly Lazy<nint> GlobalContextExport = new(() => LibtorchExport("_ZN2at13globalContextEv"));
    private static readonly Lazy<nint> UserEnabledMkldnnExport = new(() => LibtorchExport("_ZNK2at7Context17userEnabledMkldnnEv"));
    private static readonly Lazy<nint> SetUserEnabledMkldnnExport = new(() => LibtorchExport("_ZN2at7Context20setUserEnabledMkldnnEb"));

    /// <summary>The address of a symbol of libtorch_cpu (loaded by TorchSharp from the package's native folder), or 0.</summary>
    private static nint LibtorchExport(string symbol)
    {
        _ = torch.get_num_threads();   // makes TorchSharp load libtorch first
        return NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var library)
               && NativeLibrary.TryGetExport(library, symbol, out var address) ? address : 0;
    }

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

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv(string name, string value, int overwrite);
}

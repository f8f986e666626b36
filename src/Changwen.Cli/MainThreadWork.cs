using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Changwen.Cli;

/// <summary>
/// Runs a command's training on the process's main thread, which would otherwise only wait for the command. Why: glibc
/// gives every other thread a malloc arena of its own, built from heaps of at most 64 MB, so on such a thread every
/// tensor larger than that (an LSTM batch's gate activations from about 500 words up) is a fresh <c>mmap</c>, faulted
/// in page by page and unmapped again at every step; only the main thread's arena grows one heap and keeps those blocks
/// for the next step (<see cref="Changwen.Models.TorchRuntime.KeepFreedMemory"/>). Measured with bench
/// <c>step-profile --threads 1 --flush-denormals</c>, one LSTM training step at 500 words: 347 ms and 17,774 minor page
/// faults on the main thread against 478 ms and 72,355 on a pool thread (docs/benchmarks.md). The command's action
/// still returns a task at once, so System.CommandLine's Ctrl+C handling is unchanged. Without <see cref="Serve{T}"/>
/// running (the tests invoke commands directly) the work runs on a pool thread as before.
/// </summary>
public static class MainThreadWork
{
    private static BlockingCollection<Action>? queue;

    /// <summary>Queues <paramref name="work"/> for the main thread, or runs it on a pool thread when nothing serves the queue.</summary>
    public static Task<T> Run<T>(Func<T> work)
    {
        var target = Volatile.Read(ref queue);
        if (target is null) return Task.Run(work, CancellationToken.None);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            target.Add(() =>
            {
                try { done.SetResult(work()); }
                catch (Exception e) { done.SetException(e); }
            });
        }
        catch (InvalidOperationException) { return Task.Run(work, CancellationToken.None); }   // Serve has finished
        return done.Task;
    }

    /// <summary>
    /// Calls <paramref name="invoke"/> and runs the work queued by <see cref="Run{T}"/> on the calling (main) thread
    /// until the task it returned completes; returns that task's result or rethrows its exception.
    /// </summary>
    public static T Serve<T>(Func<Task<T>> invoke)
    {
        var served = new BlockingCollection<Action>();
        KeepSignalsOffThisThread();
        Volatile.Write(ref queue, served);
        try
        {
            var task = invoke();
            task.ContinueWith(_ => served.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            foreach (var item in served.GetConsumingEnumerable()) item();
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            Volatile.Write(ref queue, null);
        }
    }

    /// <summary>
    /// Blocks the termination and terminal signals on the calling thread, so that the kernel delivers them to one of the
    /// runtime's threads instead. Why: .NET's native handler for SIGTERM does work that is not async-signal-safe on the
    /// thread it interrupts; harmless on a thread that waits, it corrupted malloc's state on a thread interrupted inside
    /// malloc: two of three SIGTERMs to a training on the main thread ended in glibc's "corrupted size vs. prev_size".
    /// The signals still reach .NET (and so System.CommandLine's Ctrl+C handling) through its other threads; threads this
    /// thread creates later (libtorch's workers) inherit the mask.
    /// </summary>
    private static void KeepSignalsOffThisThread()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Linux signal numbers: SIGHUP 1, SIGINT 2, SIGQUIT 3, SIGTERM 15, SIGCHLD 17, SIGCONT 18, SIGTSTP 20, SIGTTIN 21,
        // SIGTTOU 22, SIGWINCH 28; bit n - 1 of the set stands for signal n.
        ulong mask = 0;
        foreach (var signal in new[] { 1, 2, 3, 15, 17, 18, 20, 21, 22, 28 }) mask |= 1UL << (signal - 1);
        var set = new SignalSet { Low = mask };
        try { _ = pthread_sigmask(0 /* SIG_BLOCK */, ref set, 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* not glibc: leave the mask */ }
    }

    /// <summary>glibc's sigset_t: 1024 bits, the first 64 in <see cref="Low"/>.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    private struct SignalSet { public ulong Low; }

    [DllImport("libc", EntryPoint = "pthread_sigmask")]
    private static extern int pthread_sigmask(int how, ref SignalSet set, nint oldSet);
}

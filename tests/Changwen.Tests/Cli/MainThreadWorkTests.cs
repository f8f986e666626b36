using Changwen.Cli;

namespace Changwen.Tests.Cli;

// With the CLI tests: their commands queue work through MainThreadWork, which one serving test would pick up.
[Collection("torch")]
public class MainThreadWorkTests
{
    /// <summary>Runs <paramref name="body"/> on a thread of its own, as the CLI's main thread, and returns what it returned.</summary>
    private static T OnOwnThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("the serving thread failed", failure);
    }

    [Fact]
    public void Work_queued_while_serving_runs_on_the_serving_thread_and_its_result_comes_back()
    {
        var (served, ranOn, result) = OnOwnThread(() =>
        {
            var ranOn = -1;
            var result = MainThreadWork.Serve(async () =>
            {
                await Task.Yield();   // as System.CommandLine's InvokeAsync, which calls the action from a pool thread after awaiting
                return await MainThreadWork.Run(() => { ranOn = Environment.CurrentManagedThreadId; return 42; });
            });
            return (Environment.CurrentManagedThreadId, ranOn, result);
        });
        Assert.Equal(served, ranOn);
        Assert.Equal(42, result);
    }

    [Fact]
    public void An_exception_of_the_work_reaches_the_caller_of_serve_unwrapped()
    {
        var error = OnOwnThread(() => Assert.Throws<UserInputException>(() =>
            MainThreadWork.Serve(() => MainThreadWork.Run<int>(() => throw new UserInputException("corpus.tsv:3: no tab")))));
        Assert.Equal("corpus.tsv:3: no tab", error.Message);
    }

    [Fact]
    public async Task Without_serve_the_work_runs_on_a_pool_thread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var (ranOn, pooled) = await MainThreadWork.Run(() => (Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
        Assert.NotEqual(caller, ranOn);
        Assert.True(pooled);
    }
}

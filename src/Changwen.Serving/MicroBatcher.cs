using System.Threading.Channels;
using Changwen.Bundle;
using Changwen.Models;

namespace Changwen.Serving;

/// <summary>Counts of the micro-batcher's work since it started.</summary>
/// <param name="Requests">Requests answered (each may hold several texts).</param>
/// <param name="Texts">Texts classified.</param>
/// <param name="ForwardPasses">Calls of <see cref="TextClassifier.PredictBatch"/>, one per batch.</param>
/// <param name="LargestBatch">Most texts in one forward pass so far.</param>
/// <param name="Waiting">Requests waiting for their answer now (queued, being gathered or in the forward pass).</param>
public sealed record BatchingStats(long Requests, long Texts, long ForwardPasses, int LargestBatch, int Waiting);

/// <summary>
/// Groups concurrent requests into one forward pass. Requests go into a queue; one background worker takes the first,
/// then keeps taking more until it holds <c>maxBatch</c> texts or <c>wait</c> has passed since the first, and calls
/// <see cref="TextClassifier.PredictBatch"/> once for them all. One forward pass over 32 texts costs far less than 32
/// passes over one, and libtorch already uses every core inside a pass, so a single worker loses nothing.
/// </summary>
/// <remarks>
/// The worker is a dedicated thread, not a thread-pool task: glibc gives each thread that allocates its own malloc
/// arena and keeps freed tensor memory in it, so forward passes hopping between pool threads grew the server by about
/// 60 MB per arena (measured: ~300 MB to ~1 GB over the first 20,000 requests, see docs/benchmarks.md).
/// </remarks>
public sealed class MicroBatcher : IAsyncDisposable
{
    private sealed record Job(IReadOnlyList<PreparedTexts> Parts, int TopK, TaskCompletionSource<IReadOnlyList<Prediction>> Done, CancellationToken Cancel);

    private readonly TextClassifier classifier;
    private readonly int maxBatch;
    private readonly TimeSpan wait;
    private readonly Channel<Job> queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread worker;
    private long requests, texts, forwardPasses;
    private int largestBatch, waiting;

    public MicroBatcher(TextClassifier classifier, int maxBatch, TimeSpan wait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        this.classifier = classifier;
        this.maxBatch = maxBatch;
        this.wait = wait;
        worker = new Thread(Run) { IsBackground = true, Name = "changwen micro-batcher" };
        worker.Start();
    }

    public BatchingStats Stats => new(Interlocked.Read(ref requests), Interlocked.Read(ref texts),
        Interlocked.Read(ref forwardPasses), Volatile.Read(ref largestBatch), Volatile.Read(ref waiting));

    /// <summary>
    /// The predictions for <paramref name="texts"/>, in order: segmented and encoded on the caller's side (in parallel
    /// with other requests, so a slow text delays only its own request; <paramref name="cancel"/> stops it between
    /// texts), then the forward pass in a batch with whatever else is queued. A cancelled request still waiting in the
    /// queue is dropped without computing it.
    /// </summary>
    /// <exception cref="ChannelClosedException">The batcher was completed (the server is shutting down).</exception>
    public async Task<IReadOnlyList<Prediction>> ClassifyAsync(IReadOnlyList<string> texts, int topK, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        if (queue.Reader.Completion.IsCompleted) throw new ChannelClosedException("the micro-batcher is stopped");
        // A few texts per work item: the thread pool runs items in arrival order, so a request that arrives while a heavy
        // one is being segmented waits for one of its items, not for all of it.
        var group = Math.Max(1, Environment.ProcessorCount / 2);
        var parts = new List<PreparedTexts>((texts.Count + group - 1) / group);
        for (var start = 0; start < texts.Count; start += group)
        {
            var slice = texts.Skip(start).Take(group).ToArray();
            parts.Add(await Task.Run(() => classifier.Prepare(slice, cancel), cancel).ConfigureAwait(false));
        }
        var job = new Job(parts, topK, new TaskCompletionSource<IReadOnlyList<Prediction>>(TaskCreationOptions.RunContinuationsAsynchronously), cancel);
        Interlocked.Increment(ref waiting);
        if (!queue.Writer.TryWrite(job))
        {
            Interlocked.Decrement(ref waiting);
            throw new ChannelClosedException("the micro-batcher is stopped");
        }
        return await job.Done.Task.WaitAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Takes no more requests; the worker finishes those already queued and stops.</summary>
    public void Complete() => queue.Writer.TryComplete();

    /// <summary>Completes the queue and waits until every queued request is answered.</summary>
    public async ValueTask DisposeAsync()
    {
        Complete();
        await Task.Run(worker.Join).ConfigureAwait(false);
    }

    private void Run()
    {
        var reader = queue.Reader;
        var batch = new List<Job>();
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            var count = 0;
            var deadline = DateTime.UtcNow + wait;
            while (count < maxBatch)
            {
                if (reader.TryRead(out var job))
                {
                    if (job.Cancel.IsCancellationRequested)
                    {
                        Interlocked.Decrement(ref waiting);
                        job.Done.TrySetCanceled(job.Cancel);
                        continue;
                    }
                    batch.Add(job);
                    count += job.Parts.Sum(p => p.Count);
                    continue;
                }
                var left = deadline - DateTime.UtcNow;
                if (batch.Count == 0 || left <= TimeSpan.Zero || !WaitForMore(reader, left)) break;
            }
            if (batch.Count > 0) Forward(batch, count);
        }
    }

    /// <summary>True when another request arrived within <paramref name="left"/>; false on timeout or a completed queue.</summary>
    private static bool WaitForMore(ChannelReader<Job> reader, TimeSpan left)
    {
        using var timeout = new CancellationTokenSource(left);
        try
        {
            return reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One forward pass for every text of the batch, then each request gets its slice (its own top-k).</summary>
    private void Forward(List<Job> batch, int count)
    {
        try
        {
            var predictions = classifier.Predict([.. batch.SelectMany(j => j.Parts)], batch.Max(j => j.TopK));
            Interlocked.Increment(ref forwardPasses);
            Interlocked.Add(ref texts, count);
            Interlocked.Add(ref requests, batch.Count);
            if (count > largestBatch) Volatile.Write(ref largestBatch, count);
            var start = 0;
            foreach (var job in batch)
            {
                var slice = new Prediction[job.Parts.Sum(p => p.Count)];
                for (var i = 0; i < slice.Length; i++)
                {
                    var p = predictions[start + i];
                    slice[i] = p.Top.Count <= job.TopK ? p : p with { Top = p.Top.Take(job.TopK).ToArray() };
                }
                start += slice.Length;
                Interlocked.Decrement(ref waiting);
                job.Done.TrySetResult(slice);
            }
        }
        catch (Exception e)
        {
            // A bug (the texts were validated before they were queued): every request of the batch fails with it.
            foreach (var job in batch)
            {
                Interlocked.Decrement(ref waiting);
                job.Done.TrySetException(e);
            }
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Changwen.IO;
using Changwen.Models;

namespace Changwen.Bundle;

/// <summary>What the lines of a file to score are.</summary>
public enum ScoreInputFormat
{
    /// <summary>Jsonl for .jsonl/.ndjson/.json files, plain text otherwise.</summary>
    Auto,
    /// <summary>One JSON object per line with a <c>text</c> string and an optional <c>id</c> (any JSON value), echoed back.</summary>
    Jsonl,
    /// <summary>One text per line.</summary>
    Text,
}

/// <summary>How <see cref="BatchScorer"/> reads and scores.</summary>
public sealed record ScoreOptions
{
    public ScoreInputFormat Format { get; init; } = ScoreInputFormat.Auto;
    /// <summary>Labels per output record, most probable first.</summary>
    public int TopK { get; init; } = 1;
    /// <summary>Lines read, parsed and scored together; memory holds at most <see cref="ChunksInFlight"/> + 1 chunks.</summary>
    public int ChunkSize { get; init; } = 1024;
    /// <summary>Chunks scored at once: while one runs its forward pass, the next is segmented on the other cores.</summary>
    public int ChunksInFlight { get; init; } = 2;
    /// <summary>Texts per forward pass inside a chunk.</summary>
    public int BatchSize { get; init; } = TextClassifier.DefaultBatchSize;
    /// <summary>
    /// Score only this shard's lines of the file (<see cref="LineRange"/>); the shards' outputs, concatenated in index
    /// order, are byte for byte the output of one unsharded run. Null: the whole file.
    /// </summary>
    public Shard? Shard { get; init; }
}

/// <summary>A line that could not be scored: where it is and why. Its output record says the same.</summary>
public sealed record LineFailure(string Source, long Line, string Problem)
{
    public override string ToString() => $"{Source}:{Line}: {Problem}";
}

/// <summary>What a scoring run did.</summary>
public sealed record ScoreSummary(long Lines, long Scored, long Failed, TimeSpan Elapsed)
{
    /// <summary>The file-wide number of the first line scored: 1 unless a shard began later in the file.</summary>
    public long FirstLine { get; init; } = 1;

    public double LinesPerSecond => Lines / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Scores a file of any size with bounded memory: lines are read lazily in chunks, each chunk is parsed and segmented
/// on all cores (<see cref="TextClassifier.PredictBatch"/>) while the previous one runs its forward pass, and the output
/// is written in input order, one JSON object per input line:
/// <c>{"id": ..., "label": "体育", "probabilities": {"体育": 0.93}}</c> (id only when the input had one). A line that
/// fails (not JSON, no text) does not stop the run: it is reported through <c>onFailure</c> and its output record, at
/// the same position, is <c>{"id": ..., "line": 12, "error": "..."}</c>, so output line N always answers input line N.
/// </summary>
public static class BatchScorer
{
    /// <summary>
    /// Scores <paramref name="inputPath"/> into <paramref name="outputPath"/>, written atomically (a temporary file
    /// streamed into, renamed when complete; a cancelled or failed run leaves no output). Progress is in bytes of input.
    /// With <see cref="ScoreOptions.Shard"/>, only that shard's lines are read; failures keep their file-wide line numbers.
    /// </summary>
    public static ScoreSummary ScoreFile(TextClassifier classifier, string inputPath, string outputPath, ScoreOptions options,
        IProgress<ProgressUpdate>? progress = null, Action<LineFailure>? onFailure = null, CancellationToken cancel = default)
    {
        var input = Path.GetFullPath(inputPath);
        FileStream stream;
        try
        {
            stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserInputException.At(input, null, $"cannot be read ({e.Message}). Give a UTF-8 file with one text or JSON object per line");
        }
        using (stream)
        {
            var range = options.Shard is { } shard ? ShardRange(stream, input, shard, options.ChunkSize) : new LineRange(0, stream.Length, 1);
            // Unsharded, the file is read to its end as it is then (as before shards existed); a shard stops at its range.
            using var window = options.Shard is null ? null : new StreamWindow(stream, range.Start, range.End);
            // Only a read from the file's first byte may meet its byte order mark; one further on is a character of the text.
            using var reader = new StreamReader((Stream?)window ?? stream, new System.Text.UTF8Encoding(false), detectEncodingFromByteOrderMarks: range.Start == 0, 1 << 16);
            var format = Resolve(options.Format, input);
            ScoreSummary summary = null!;
            AtomicFile.Write(outputPath, output =>
            {
                using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 1 << 16);
                summary = Score(classifier, reader, input, writer, options with { Format = format }, progress, onFailure, cancel,
                    position: () => window?.Position ?? stream.Position, total: window?.Length ?? stream.Length, firstLine: range.FirstLine);
            });
            return summary;
        }
    }

    /// <summary>The shard's bytes; refuses a UTF-16 or UTF-32 file, whose lines cannot be found by looking for the byte '\n'.</summary>
    private static LineRange ShardRange(FileStream stream, string input, Shard shard, int chunkSize)
    {
        Span<byte> head = stackalloc byte[2];
        var read = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        if (read == 2 && (head[0], head[1]) is (0xFF, 0xFE) or (0xFE, 0xFF))
            throw UserInputException.At(input, null, "is UTF-16 or UTF-32 (by its byte order mark), which --shard cannot cut into line ranges. Convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8) or score it without --shard");
        // Shards hold whole chunks of the unsharded run: a forward pass over other neighbours in its batch can change
        // a probability in the last bits, so the same chunks make the same bytes.
        return LineRange.Of(stream, shard.Index, shard.Count, alignLines: chunkSize);
    }

    /// <summary>
    /// Scores the lines of <paramref name="input"/> into <paramref name="output"/>; <paramref name="source"/> names the
    /// input in failures. <see cref="ScoreInputFormat.Auto"/> here means jsonl when the source's extension says so.
    /// Progress is in lines (total unknown).
    /// </summary>
    public static ScoreSummary Score(TextClassifier classifier, TextReader input, string source, TextWriter output, ScoreOptions options,
        IProgress<ProgressUpdate>? progress = null, Action<LineFailure>? onFailure = null, CancellationToken cancel = default) =>
        Score(classifier, input, source, output, options with { Format = Resolve(options.Format, source) }, progress, onFailure, cancel, null, null, 1);

    /// <summary>Jsonl for .jsonl/.ndjson/.json, text otherwise; an explicit format stays.</summary>
    public static ScoreInputFormat Resolve(ScoreInputFormat format, string path) =>
        format != ScoreInputFormat.Auto ? format
        : Path.GetExtension(path).ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? ScoreInputFormat.Jsonl
        : ScoreInputFormat.Text;

    private sealed record Chunk(long FirstLine, string[] Lines);

    private sealed record ScoredChunk(string[] Records, LineFailure[] Failures);

    private static ScoreSummary Score(TextClassifier classifier, TextReader input, string source, TextWriter output, ScoreOptions options,
        IProgress<ProgressUpdate>? progress, Action<LineFailure>? onFailure, CancellationToken cancel, Func<long>? position, long? total, long firstLine)
    {
        if (options.TopK < 1) throw new ArgumentOutOfRangeException(nameof(options), options.TopK, "top-k must be at least 1");
        if (options.ChunkSize < 1 || options.ChunksInFlight < 1 || options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "chunk size, chunks in flight and batch size must be positive");
        var clock = Stopwatch.StartNew();
        long lines = 0, failed = 0;
        // Chunks being scored, oldest first: written strictly in this order, so the output follows the input.
        var inFlight = new Queue<Task<ScoredChunk>>();
        void WriteOldest()
        {
            var scored = inFlight.Dequeue().GetAwaiter().GetResult(); // a bug inside scoring surfaces here
            foreach (var record in scored.Records) output.WriteLine(record);
            foreach (var failure in scored.Failures) onFailure?.Invoke(failure);
            lines += scored.Records.Length;
            failed += scored.Failures.Length;
            progress?.Report(position is null ? new ProgressUpdate("predict", lines, null) : new ProgressUpdate("predict", position(), total));
        }

        // The chunks are scored on ChunksInFlight dedicated threads rather than on thread-pool tasks: glibc gives every
        // thread that allocates tensors its own malloc arena and keeps freed memory there, so forward passes spread over
        // a growing pool grew the process steadily (measured 0.5 to 1.2 GB over 20,000 documents; docs/benchmarks.md).
        using var work = new System.Collections.Concurrent.BlockingCollection<(Chunk Chunk, TaskCompletionSource<ScoredChunk> Done)>();
        var workers = Enumerable.Range(0, options.ChunksInFlight).Select(_ => new Thread(() =>
        {
            foreach (var (chunk, done) in work.GetConsumingEnumerable())
            {
                if (cancel.IsCancellationRequested) { done.TrySetCanceled(cancel); continue; }
                try { done.TrySetResult(ScoreChunk(classifier, chunk, source, options)); }
                catch (Exception e) { done.TrySetException(e); }
            }
        }) { IsBackground = true, Name = "changwen scorer" }).ToArray();
        foreach (var worker in workers) worker.Start();
        try
        {
            foreach (var chunk in ReadChunks(input, options.ChunkSize, firstLine))
            {
                cancel.ThrowIfCancellationRequested();
                if (inFlight.Count == options.ChunksInFlight) WriteOldest();
                var done = new TaskCompletionSource<ScoredChunk>(TaskCreationOptions.RunContinuationsAsynchronously);
                work.Add((chunk, done));
                inFlight.Enqueue(done.Task);
            }
            while (inFlight.Count > 0) WriteOldest();
        }
        finally
        {
            // On an error or cancellation, let the chunks still running finish before the classifier can be disposed.
            work.CompleteAdding();
            foreach (var worker in workers) worker.Join();
        }
        output.Flush();
        if (total is { } t) progress?.Report(new ProgressUpdate("predict", t, t));
        return new ScoreSummary(lines, lines - failed, failed, clock.Elapsed) { FirstLine = firstLine };
    }

    /// <param name="firstLine">The file-wide number of the input's first line (a shard's lines keep their numbers in the file).</param>
    private static IEnumerable<Chunk> ReadChunks(TextReader input, int size, long firstLine)
    {
        var buffer = new List<string>(size);
        var next = firstLine;
        for (var line = input.ReadLine(); line is not null; line = input.ReadLine())
        {
            buffer.Add(line);
            if (buffer.Count == size)
            {
                yield return new Chunk(next, [.. buffer]);
                next += buffer.Count;
                buffer.Clear();
            }
        }
        if (buffer.Count > 0) yield return new Chunk(next, [.. buffer]);
    }

    /// <summary>Parses the chunk's lines, scores the good ones in one <see cref="TextClassifier.PredictBatch"/> call, formats every record.</summary>
    private static ScoredChunk ScoreChunk(TextClassifier classifier, Chunk chunk, string source, ScoreOptions options)
    {
        var parsed = new (string? Text, JsonNode? Id, string? Problem)[chunk.Lines.Length];
        if (options.Format == ScoreInputFormat.Text)
            for (var i = 0; i < parsed.Length; i++) parsed[i] = (chunk.Lines[i], null, ScorableText.Problem(chunk.Lines[i]));
        else
            Parallel.For(0, parsed.Length, i => parsed[i] = ParseJsonLine(chunk.Lines[i]));

        var good = Enumerable.Range(0, parsed.Length).Where(i => parsed[i].Problem is null).ToArray();
        var predictions = classifier.PredictBatch([.. good.Select(i => parsed[i].Text!)], options.TopK, options.BatchSize);

        var records = new string[parsed.Length];
        var failures = new List<LineFailure>();
        for (var g = 0; g < good.Length; g++)
        {
            try
            {
                records[good[g]] = Record(parsed[good[g]].Id, predictions[g]);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // An id the JSON writer cannot encode (an unpaired surrogate in a string): the line becomes an error record.
                parsed[good[g]] = (null, null, $"the \"id\" cannot be written back as JSON ({e.Message.Split('\n')[0].Trim()})");
            }
        }
        for (var i = 0; i < parsed.Length; i++)
        {
            if (parsed[i].Problem is not { } problem) continue;
            var failure = new LineFailure(source, chunk.FirstLine + i, problem);
            failures.Add(failure);
            var error = new JsonObject();
            if (parsed[i].Id is { } id) error["id"] = id;
            error["line"] = failure.Line;
            error["error"] = problem;
            records[i] = error.ToJsonString(Json.Compact);
        }
        return new ScoredChunk(records, [.. failures]);
    }

    private static (string? Text, JsonNode? Id, string? Problem) ParseJsonLine(string line)
    {
        const string Expected = "expected a JSON object with a \"text\" string, e.g. {\"id\": 1, \"text\": \"...\"}";
        if (string.IsNullOrWhiteSpace(line)) return (null, null, "empty line; " + Expected);
        JsonNode? id = null;
        try
        {
            // Duplicate keys are refused (JsonObject would throw on first access): which "text" was meant is not ours to guess.
            if (JsonNode.Parse(line, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is not JsonObject obj)
                return (null, null, "not a JSON object; " + Expected);
            id = obj["id"]?.DeepClone();
            var text = obj["text"];
            if (text is null) return (null, id, "no \"text\" field; " + Expected);
            if (text is not JsonValue value || !value.TryGetValue<string>(out var s)) return (null, id, "\"text\" is not a string; " + Expected);
            return ScorableText.Problem(s) is { } problem ? (null, id, problem) : (s, id, null);
        }
        // Syntax errors, duplicate keys (ArgumentException) and strings that are not valid UTF-16 (InvalidOperationException).
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return (null, null, $"not JSON ({e.Message.Split('\n')[0].Trim()}); {Expected}");
        }
    }

    /// <summary><c>{"id": ..., "label": ..., "probabilities": {label: p, ...}}</c>, the top-k labels most probable first.</summary>
    private static string Record(JsonNode? id, Prediction prediction)
    {
        var record = new JsonObject();
        if (id is not null) record["id"] = id;
        record["label"] = prediction.Label;
        var probabilities = new JsonObject();
        foreach (var t in prediction.Top) probabilities[t.Label] = t.Probability;
        record["probabilities"] = probabilities;
        return record.ToJsonString(Json.Compact);
    }
}

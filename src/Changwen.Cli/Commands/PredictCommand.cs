using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Changwen.Bundle;
using Changwen.IO;

namespace Changwen.Cli.Commands;

/// <summary>
/// <c>changwen predict MODEL [TEXT...]</c>: the label of each text, from arguments, a file or standard input. With
/// <c>--out</c>, a file (or standard input) of any size is scored into a JSON-lines file by <see cref="BatchScorer"/>.
/// </summary>
public static class PredictCommand
{
    /// <param name="standardInput">Where lines come from when no text and no --file is given; null = the console.</param>
    public static Command Create(TextReader? standardInput = null)
    {
        var model = new Argument<string>("model") { Description = "Run folder of a trained model (written by `changwen train`)." };
        var texts = new Argument<string[]>("text") { Description = "Texts to classify (default: one text per line of --file or of standard input).", Arity = ArgumentArity.ZeroOrMore };
        var file = new Option<string?>("--file") { Description = "Classify every line of this UTF-8 file." };
        var outFile = new Option<string?>("--out") { Description = "Stream the results into this JSON-lines file (one record per input line, in order) with a progress bar." };
        var format = CliOptions.Enum<ScoreInputFormat>("--format", "With --out: input lines are jsonl ({\"text\": ..., \"id\": ...}) or text (default: auto, jsonl for .jsonl/.ndjson/.json).");
        var topK = new Option<int>("--top-k") { Description = "Show the k most probable labels.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object per text: {\"label\": ..., \"probabilities\": {...}}." };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per forward pass.", DefaultValueFactory = _ => TextClassifier.DefaultBatchSize };
        var shard = new Option<string?>("--shard")
        {
            Description = "With --file and --out: score only shard INDEX/COUNT of the file's lines, the index counted from 0 (0/3, 1/3, 2/3), "
                + $"or env/COUNT to take the index from {Shard.IndexVariable} (a Kubernetes Indexed Job). The outputs concatenated in index order equal one unsharded run.",
        };
        var threads = CliOptions.ThreadsOption();
        var runtime = ModelRuntime.Option();
        var command = new Command("predict", "Classify texts with a trained model.");
        command.Arguments.Add(model);
        command.Arguments.Add(texts);
        foreach (var o in new Option[] { file, outFile, format, topK, json, batchSize, shard, threads, runtime }) command.Options.Add(o);
        // Asynchronous so that Ctrl+C cancels the token: a streaming run then stops between chunks and leaves no output.
        command.SetAction((ParseResult r, CancellationToken cancel) => Task.Run(int () =>
        {
            var k = r.GetValue(topK);
            var batch = r.GetValue(batchSize);
            if (k < 1) throw new UserInputException($"--top-k {k} must be at least 1.");
            if (batch < 1) throw new UserInputException($"--batch-size {batch} must be at least 1.");
            var given = r.GetValue(texts) ?? [];
            var path = r.GetValue(file);
            if (given.Length > 0 && path is not null) throw new UserInputException("predict: give texts as arguments or with --file, not both.");
            var outPath = r.GetValue(outFile);
            if (outPath is null && r.GetValue(format) is not null) throw new UserInputException("predict: --format applies to --out; add --out FILE.jsonl.");
            if (given.Length > 0 && outPath is not null) throw new UserInputException("predict: --out scores --file or standard input, not texts given as arguments.");
            var part = r.GetValue(shard) is { } shardText ? ParseShard(shardText, path, outPath) : (Shard?)null;
            if (outPath is not null) CheckOutput(outPath, path);
            else if (path is not null) RefuseBinary(path);

            using var classifier = ModelRuntime.Load(r.GetValue(model)!, r.GetValue(runtime), r.GetValue(threads));
            var output = r.InvocationConfiguration.Output;
            if (outPath is not null)
                try
                {
                    return Stream(classifier, path, outPath, new ScoreOptions { Format = r.GetValue(format) ?? ScoreInputFormat.Auto, TopK = k, BatchSize = batch, Shard = part },
                    standardInput, output, r.InvocationConfiguration.Error, cancel);
                }
                catch (Exception e) when (e is OperationCanceledException || e is AggregateException { InnerException: OperationCanceledException })
                {
                    // AtomicFile deleted its temporary file: what was at --out before is untouched.
                    r.InvocationConfiguration.Error.WriteLine($"changwen: stopped; {Path.GetFullPath(outPath)} was not written (any previous file there is unchanged)");
                    return 130; // the shell's code for "ended by Ctrl+C"
                }
            var asJson = r.GetValue(json);
            void Write(IReadOnlyList<string> chunk)
            {
                foreach (var prediction in classifier.PredictBatch(chunk, k, batch))
                    output.WriteLine(asJson ? ToJson(prediction) : ToText(prediction, k));
                output.Flush();
            }

            if (given.Length > 0)
            {
                Write(given);
                return 0;
            }
            using var reader = path is null ? null : OpenFile(path);
            foreach (var chunk in Batches(reader ?? standardInput ?? Console.In, batch))
                Write(chunk);
            return 0;
        }, cancel));
        return command;
    }

    /// <summary>
    /// Scores a file (or standard input) into <paramref name="outPath"/>: progress on <paramref name="output"/>, a
    /// warning per failed line on <paramref name="error"/>, a closing summary line.
    /// </summary>
    private static int Stream(TextClassifier classifier, string? inPath, string outPath, ScoreOptions options, TextReader? standardInput,
        TextWriter output, TextWriter error, CancellationToken cancel)
    {
        void Warn(LineFailure failure) => error.WriteLine($"changwen: warning: {failure}");
        var summary = ConsoleProgress.Run(output, progress =>
        {
            if (inPath is not null) return BatchScorer.ScoreFile(classifier, inPath, outPath, options, progress, Warn, cancel);
            ScoreSummary result = null!;
            AtomicFile.Write(outPath, stream =>
            {
                using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                result = BatchScorer.Score(classifier, standardInput ?? Console.In, "<stdin>", writer, options, progress, Warn, cancel);
            });
            return result;
        });
        error.Flush();
        var lines = options.Shard is { } shard
            ? $"shard {shard}: {summary.Lines:N0} lines" + (summary.Lines > 0 ? $" ({summary.FirstLine:N0} to {summary.FirstLine + summary.Lines - 1:N0})" : "")
            : $"{summary.Lines:N0} lines";
        output.WriteLine($"{lines} scored into {Path.GetFullPath(outPath)} ({summary.Failed:N0} failed) in {summary.Elapsed.TotalSeconds:F1} s, {summary.LinesPerSecond:N0} per second");
        return 0;
    }

    /// <summary><c>label&lt;TAB&gt;probability</c>; with top-k, <c>label:prob label:prob ...</c>.</summary>
    public static string ToText(Prediction prediction, int topK) => topK == 1
        ? $"{prediction.Label}\t{Probability(prediction.Probability)}"
        : string.Join(' ', prediction.Top.Select(t => $"{t.Label}:{Probability(t.Probability)}"));

    /// <summary><c>{"label": ..., "probabilities": {label: p, ...}}</c> on one line, the top-k labels most probable first.</summary>
    public static string ToJson(Prediction prediction)
    {
        var probabilities = new JsonObject();
        foreach (var t in prediction.Top) probabilities[t.Label] = t.Probability;
        return new JsonObject { ["label"] = prediction.Label, ["probabilities"] = probabilities }.ToJsonString(Json.Compact);
    }

    private static string Probability(float p) => p.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>A shard is a part of a file scored into a file: refused (before the model is loaded) without both.</summary>
    private static Shard ParseShard(string text, string? inPath, string? outPath)
    {
        var shard = Shard.Parse(text, Environment.GetEnvironmentVariable);
        if (inPath is null || outPath is null)
            throw new UserInputException($"predict: --shard {text} scores a part of --file into --out; add {(inPath is null ? "--file INPUT" : "")}{(inPath is null && outPath is null ? " and " : "")}{(outPath is null ? "--out OUTPUT.jsonl" : "")}.");
        return shard;
    }

    /// <summary>
    /// Refuses an --out that cannot take the results before the model is loaded and anything is scored: a folder, or the
    /// input file itself (it would be replaced by its own scores). Clears temporary files left by a killed earlier run.
    /// </summary>
    private static void CheckOutput(string outPath, string? inPath)
    {
        var output = Path.GetFullPath(outPath);
        if (Directory.Exists(output))
            throw UserInputException.At(output, null, "--out is a folder. Give a file name, e.g. --out predictions.jsonl");
        if (inPath is not null && SameFile(Path.GetFullPath(inPath), output))
            throw UserInputException.At(output, null, "--out names the --file being scored, which would be replaced by its scores. Give another --out file");
        AtomicFile.DeleteStale(output);
    }

    private static bool SameFile(string a, string b)
    {
        static string Real(string p) => File.Exists(p) && new FileInfo(p).ResolveLinkTarget(returnFinalTarget: true) is { } target ? target.FullName : p;
        return string.Equals(Real(a), Real(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>Plain predict prints one answer per line, so a binary file (NUL bytes early on, as grep judges) is refused whole.</summary>
    private static void RefuseBinary(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) return;   // OpenFile reports it
        var head = new byte[8192];
        int read;
        try
        {
            using var stream = File.OpenRead(full);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserInputException.At(full, null, $"cannot be read ({e.Message}). Give a text file with one text per line");
        }
        var utf16 = read >= 2 && (head[0], head[1]) is (0xFF, 0xFE) or (0xFE, 0xFF);   // decoded by its BOM, NULs and all
        if (!utf16 && Array.IndexOf(head, (byte)0, 0, read) >= 0)
            throw UserInputException.At(full, null, "holds NUL bytes: a binary file, not text. Give a UTF-8 text file with one text per line");
    }

    private static StreamReader OpenFile(string path)
    {
        try
        {
            return new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserInputException.At(Path.GetFullPath(path), null, $"cannot be read ({e.Message}). Give a text file with one text per line");
        }
    }

    /// <summary>
    /// Lines in batches of up to <paramref name="size"/>: a batch holds the lines already available, so a person typing
    /// at the terminal gets each answer at once while a pipe or file is classified many lines per forward pass.
    /// </summary>
    private static IEnumerable<List<string>> Batches(TextReader reader, int size)
    {
        using var lines = new BlockingCollection<string>(boundedCapacity: size * 4);
        var producer = Task.Run(() =>
        {
            try
            {
                for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine()) lines.Add(line);
            }
            finally
            {
                lines.CompleteAdding();
            }
        });
        while (lines.TryTake(out var first, Timeout.Infinite))
        {
            var batch = new List<string>(size) { first };
            while (batch.Count < size && lines.TryTake(out var next)) batch.Add(next);
            yield return batch;
        }
        producer.GetAwaiter().GetResult(); // a read error surfaces here
    }
}

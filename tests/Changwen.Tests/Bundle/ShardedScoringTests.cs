using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.IO;

namespace Changwen.Tests.Bundle;

[Collection("torch")]
public sealed class ShardedScoringTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private const int Shards = 3;

    /// <summary>
    /// <paramref name="count"/> lines (jsonl with ids, or text); the line at the start of shard 1 is broken (its error record must carry its file-wide
    /// number) and the lines around the cuts are multi-byte (3- and 4-byte UTF-8), so a cut inside a character would show.
    /// </summary>
    private static (string Path, byte[] Bytes, long BadLine) WriteInput(string dir, string extension, int count, int chunkSize)
    {
        var random = new Random(3);
        var labels = TinyRun.ClassCharacters.Keys.ToArray();
        var lines = Enumerable.Range(0, count).Select(i => TinyRun.Document(labels[i % 3], random) + (i % 10 == 0 ? "𠀀😀" : "")).ToList();
        var jsonl = extension == ".jsonl";
        var encoded = lines.Select((t, i) => jsonl ? JsonSerializer.Serialize(new { id = $"d{i}", text = t }, Json.Compact) : t).ToList();
        var path = System.IO.Path.Combine(dir, "in" + extension);
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', encoded) + "\n");
        using (var stream = new MemoryStream(bytes))
        {
            var second = LineRange.Of(stream, 1, Shards, chunkSize);
            var bad = (int)second.FirstLine - 1;   // 0-based index of shard 1's first line
            encoded[bad] = jsonl ? """{"id": "broken", "text": 7}""" : "\u0001\u0002\u0003\u0004";   // binary, not text
            encoded[bad - 1] = jsonl ? JsonSerializer.Serialize(new { id = "wide", text = "體育𠀀球賽冠軍😀" }, Json.Compact) : "體育𠀀球賽冠軍😀";
        }
        bytes = Encoding.UTF8.GetBytes(string.Join('\n', encoded) + "\n");
        File.WriteAllBytes(path, bytes);
        using var check = new MemoryStream(bytes);
        return (path, bytes, LineRange.Of(check, 1, Shards, chunkSize).FirstLine);
    }

    [Theory]
    [InlineData(".jsonl")]
    [InlineData(".txt")]
    public void Three_shards_concatenated_equal_one_unsharded_run_byte_for_byte(string extension)
    {
        var dir = run.Scratch("shards" + extension.TrimStart('.'));
        var options = new ScoreOptions { ChunkSize = 7, BatchSize = 4, TopK = 2 };
        var (input, _, badLine) = WriteInput(dir, extension, 90, options.ChunkSize);
        using var classifier = TextClassifier.Load(run.RunDir);
        var whole = Path.Combine(dir, "whole.jsonl");
        var wholeSummary = BatchScorer.ScoreFile(classifier, input, whole, options);

        var parts = new List<byte>();
        var failures = new List<LineFailure>();
        long lines = 0;
        for (var i = 0; i < Shards; i++)
        {
            var part = Path.Combine(dir, $"part-{i}.jsonl");
            var summary = BatchScorer.ScoreFile(classifier, input, part, options with { Shard = new Shard(i, Shards) }, onFailure: failures.Add);
            Assert.Equal(lines + 1, summary.FirstLine);
            Assert.Equal(0, (summary.FirstLine - 1) % options.ChunkSize);
            Assert.InRange(summary.Lines, 14, 50);   // byte cuts split 90 similar lines roughly evenly
            lines += summary.Lines;
            parts.AddRange(File.ReadAllBytes(part));
        }

        Assert.Equal(File.ReadAllBytes(whole), parts.ToArray());
        Assert.Equal(wholeSummary.Lines, lines);
        var failure = Assert.Single(failures);
        Assert.Equal(badLine, failure.Line);
        Assert.Contains($"\"line\":{badLine},", Encoding.UTF8.GetString([.. parts]));
    }

    [Fact]
    public void More_shards_than_lines_leave_empty_parts_that_still_concatenate_to_the_whole()
    {
        var dir = run.Scratch("tiny");
        var input = Path.Combine(dir, "in.txt");
        File.WriteAllText(input, "球赛冠军\n股市银行");   // two lines, no final line break
        using var classifier = TextClassifier.Load(run.RunDir);
        var whole = Path.Combine(dir, "whole.jsonl");
        BatchScorer.ScoreFile(classifier, input, whole, new ScoreOptions());
        var parts = Enumerable.Range(0, 5).SelectMany(i =>
        {
            var part = Path.Combine(dir, $"part-{i}.jsonl");
            BatchScorer.ScoreFile(classifier, input, part, new ScoreOptions { Shard = new Shard(i, 5) });
            return File.ReadAllBytes(part);
        }).ToArray();
        Assert.Equal(File.ReadAllBytes(whole), parts);
    }

    [Fact]
    public void A_utf16_file_is_refused_for_sharding_in_one_line()
    {
        var dir = run.Scratch("utf16");
        var input = Path.Combine(dir, "in.txt");
        File.WriteAllText(input, "球赛冠军\n股市银行\n", Encoding.Unicode);
        using var classifier = TextClassifier.Load(run.RunDir);
        var e = Assert.Throws<UserInputException>(() =>
            BatchScorer.ScoreFile(classifier, input, Path.Combine(dir, "out.jsonl"), new ScoreOptions { Shard = new Shard(1, 2) }));
        Assert.Contains("UTF-16", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "out.jsonl")));
    }

    /// <summary>The built CLI, as a pod of an Indexed Job runs it: the index from JOB_COMPLETION_INDEX.</summary>
    private static async Task<(int Code, string Error)> RunCli(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "changwen.dll");
        Assert.True(File.Exists(cli), cli);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[cli, "predict", .. args, "--threads", "1"]) start.ArgumentList.Add(a);
        start.Environment.Remove(Shard.IndexVariable);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        return (process.ExitCode, stderr);
    }

    [Fact]
    public async Task Three_cli_processes_with_the_job_index_equal_one_unsharded_process()
    {
        var dir = run.Scratch("processes");
        // Shards hold whole chunks of the CLI's 1,024 lines: 2,600 lines make three non-empty shards.
        var (input, _, badLine) = WriteInput(dir, ".jsonl", 2600, new ScoreOptions().ChunkSize);
        var whole = Path.Combine(dir, "whole.jsonl");
        var none = new Dictionary<string, string>();
        var runs = new List<Task<(int Code, string Error)>> { RunCli(none, run.RunDir, "--file", input, "--out", whole) };
        for (var i = 0; i < Shards; i++)
            runs.Add(RunCli(new Dictionary<string, string> { [Shard.IndexVariable] = $"{i}" },
                run.RunDir, "--file", input, "--out", Path.Combine(dir, $"part-{i}.jsonl"), "--shard", $"env/{Shards}"));
        var results = await Task.WhenAll(runs);

        Assert.All(results, r => Assert.True(r.Code == 0, r.Error));
        var parts = Enumerable.Range(0, Shards).SelectMany(i => File.ReadAllBytes(Path.Combine(dir, $"part-{i}.jsonl"))).ToArray();
        Assert.Equal(File.ReadAllBytes(whole), parts);
        Assert.Contains($"in.jsonl:{badLine}: ", results[2].Error);   // shard 1 warns with the file-wide line number
    }

    [Fact]
    public async Task A_shard_stopped_by_sigterm_exits_130_and_leaves_the_previous_output()
    {
        var dir = run.Scratch("sigterm");
        var random = new Random(8);
        var labels = TinyRun.ClassCharacters.Keys.ToArray();
        var input = Path.Combine(dir, "in.txt");
        // Enough lines that the shard is still scoring when the signal comes (the progress bar shows it has started).
        File.WriteAllLines(input, Enumerable.Range(0, 200_000).Select(i => TinyRun.Document(labels[i % 3], random)));
        var output = Path.Combine(dir, "part-1.jsonl");
        File.WriteAllText(output, "previous\n");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "changwen.dll"), "predict", run.RunDir, "--file", input, "--out", output, "--shard", "1/2", "--threads", "1"])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        // The output's temporary file appears when scoring starts (the model is loaded, the range found); the signal is
        // what a Kubernetes node sends a pod it evicts. Watched and sent from a thread of its own: in the full suite the
        // thread pool is busy with other tests, and an awaited delay could resume only after the shard had finished.
        var stopped = await Task.Factory.StartNew(() =>
        {
            while (!process.HasExited && Directory.GetFiles(dir, ".part-1.jsonl.*.tmp").Length == 0) Thread.Sleep(2);
            if (process.HasExited) return false;
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            return true;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!stopped)
            Assert.Fail($"the shard exited with {process.ExitCode} before it could be stopped (give it more lines if it finished): {await stderr}");
        await process.WaitForExitAsync();

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("was not written", await stderr);
        await stdout;
        Assert.Equal("previous\n", File.ReadAllText(output));
        Assert.Equal(["in.txt", "part-1.jsonl"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());   // no temporary file
    }

    [Theory]
    [InlineData("--shard 3/3", "must be 0 to 2")]
    [InlineData("--shard 0/0", "not a shard")]
    [InlineData("--shard x", "not a shard")]
    [InlineData("--shard env/3", "JOB_COMPLETION_INDEX is not set")]
    [InlineData("--shard 0/3 --no-file", "add --file INPUT")]
    [InlineData("--shard 0/3 --no-out", "add --out OUTPUT.jsonl")]
    public async Task Bad_shards_exit_2_with_one_line_before_the_model_is_loaded(string flags, string problem)
    {
        using var dir = new TempDir();
        var input = dir.File("in.txt", "球赛冠军\n");
        var args = new List<string> { Path.Combine(dir.Path, "no-such-model") };   // loading it would fail with another message
        var words = flags.Split(' ');
        args.AddRange(words.Where(w => !w.StartsWith("--no-")));
        if (!words.Contains("--no-file")) args.AddRange(["--file", input]);
        if (!words.Contains("--no-out")) args.AddRange(["--out", Path.Combine(dir.Path, "out.jsonl")]);

        var (code, error) = await RunCli(new Dictionary<string, string>(), [.. args]);

        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("changwen: ", line);
        Assert.Contains(problem, line);
        Assert.DoesNotContain("no-such-model", line);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out.jsonl")));
    }
}

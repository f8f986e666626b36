using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Changwen.Bundle;
using Changwen.Cli;
using Changwen.Runs;
using Changwen.Tests.Bundle;
using Changwen.Tests.Pipeline;
using Changwen.Tests.Serving;
using Changwen.Tests.Training;

namespace Changwen.Tests.Cli;

/// <summary>
/// Issue 22's mistakes, built one by one (flags, plans, corpora, model folders, run folders, JSON lines): each ends in
/// exit 2 with one line on stderr naming what to fix (or an error record), never a stack trace, and no model changes.
/// The command line is driven in-process through <see cref="CliApp.Run"/>, exactly as Program.cs runs it.
/// </summary>
[Collection("torch")]
public sealed class BadInputTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private static readonly string[] TinyTraining =
        ["--model", "lstm", "--tokenizer", "char", "--max-len", "30", "--epochs", "1", "--embedding-dim", "8", "--hidden-dim", "8", "--batch-size", "8", "--threads", "1", "--cache", ""];

    private static (int Code, string Output, string Error) Cli(string[] args, TextReader? input = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(args, output, error, standardInput: input);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Exit 2, stdout empty, one line on stderr starting "changwen: ", no stack trace; returns the line.</summary>
    private static string FailsWithOneLine(params string[] args)
    {
        var (code, output, error) = Cli(args);
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("changwen: ", line);
        Assert.DoesNotContain("Unhandled exception", error);
        Assert.DoesNotContain("   at ", error);
        return line;
    }

    /// <summary>As <see cref="FailsWithOneLine"/> for a command that reported progress on stdout before it failed.</summary>
    private static string FailsAfterProgress(params string[] args)
    {
        var (code, _, error) = Cli(args);
        Assert.True(code == 2, $"exit {code}: {error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("changwen: ", line);
        Assert.DoesNotContain("   at ", error);
        return line;
    }

    private static string Snapshot(string dir) => string.Join("|", Directory.GetFiles(dir).Order(StringComparer.Ordinal)
        .Select(f => Path.GetFileName(f) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))));

    // ---- command-line parse errors: one line naming the flag or value and the command's --help

    [Theory]
    [InlineData("--epoch", "1", "'--epoch'")]
    [InlineData("--model", "bert", "'bert'")]
    [InlineData("--pool", "lasst", "'lasst'")]
    [InlineData("--epochs", "abc", "a whole number")]
    [InlineData("--max-len", "2000000000000", "'--max-len'")]
    public void A_mistyped_flag_or_value_is_one_line_naming_it_and_the_help(string flag, string value, string named)
    {
        using var dir = new TempDir();
        var line = FailsWithOneLine(["train", dir.Path, "--out", Path.Combine(dir.Path, "run"), flag, value]);
        Assert.Contains(named, line);
        Assert.Contains("changwen train --help", line);
        Assert.DoesNotContain("System.", line);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "run")));
    }

    [Fact]
    public void An_unknown_split_or_command_is_one_line()
    {
        Assert.Contains("changwen eval --help", FailsWithOneLine("eval", run.RunDir, run.CorpusPath, "--split", "dev"));
        Assert.Contains("'trian'", FailsWithOneLine("trian", "x"));
    }

    // ---- option values: checked before the corpus is opened (the corpus here does not even exist)

    [Theory]
    [InlineData("--batch-size", "0")]
    [InlineData("--epochs", "0")]
    [InlineData("--lr", "-1")]
    [InlineData("--lr", "NaN")]
    [InlineData("--max-len", "2000000000")]
    [InlineData("--max-len", "5000000")]
    [InlineData("--dropout", "1.5")]
    [InlineData("--embedding-dim", "1000000")]
    [InlineData("--layers", "0")]
    public void A_bad_value_is_refused_before_the_corpus_is_read(string flag, string value)
    {
        using var dir = new TempDir();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var line = FailsWithOneLine("train", Path.Combine(dir.Path, "no-corpus-here"), "--out", Path.Combine(dir.Path, "run"), flag, value);
        Assert.StartsWith($"changwen: {flag} ", line);
        Assert.DoesNotContain("no-corpus-here", line);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "run")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed}");
    }

    [Fact]
    public void A_bad_value_in_any_run_of_a_plan_is_refused_before_the_first_run_starts()
    {
        using var dir = new TempDir();
        var plan = dir.File("plan.yaml", "epochs: 1\nruns:\n  - {name: fine, max-len: 20}\n  - {name: broken, batch-size: 0}\n");
        var line = FailsWithOneLine("experiment", plan, Path.Combine(dir.Path, "no-corpus-here"), "--out", Path.Combine(dir.Path, "out"));
        Assert.Contains("plan.yaml:4", line);
        Assert.Contains("run 'broken': --batch-size 0", line);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")));
    }

    // ---- run folders: claimed, never overwritten

    [Fact]
    public void A_folder_holding_a_copied_model_is_refused_and_left_unchanged()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var target = Path.Combine(dir.Path, "copy");
        Directory.CreateDirectory(target);
        foreach (var name in new[] { RunFolder.FormatFile, RunFolder.OptionsFile, RunFolder.VocabularyFile, RunFolder.LabelsFile, "best.pt" })
            File.Copy(Path.Combine(run.RunDir, name), Path.Combine(target, name));
        var before = Snapshot(target);

        Assert.Contains("already holds a model", FailsWithOneLine(["train", data, "--out", target, .. TinyTraining]));
        Assert.Equal(before, Snapshot(target));
        Assert.Equal(5, Directory.GetFileSystemEntries(target).Length);
    }

    [Fact]
    public void Out_naming_a_file_is_one_line()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var file = dir.File("taken.txt", "mine");
        Assert.Contains("is a file, not a folder", FailsWithOneLine(["train", data, "--out", file, .. TinyTraining]));
        Assert.Equal("mine", File.ReadAllText(file));
    }

    [Fact]
    public void A_run_refused_before_its_first_epoch_leaves_no_folder_and_an_experiment_out_file_is_one_line()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var vectors = dir.File("empty.vec", "");
        var target = Path.Combine(dir.Path, "run");
        // Found only after segmentation, when the run folder already holds options.json, vocab.tsv...
        Assert.Contains("holds no vectors", FailsAfterProgress(["train", data, "--out", target, .. TinyTraining, "--embeddings", vectors]));
        Assert.False(Directory.Exists(target));

        var file = dir.File("taken.txt", "mine");
        Assert.Contains("is a file, not a folder", FailsWithOneLine("experiment", "seed", data, "--out", file));
    }

    [Fact]
    public void A_folder_another_process_has_claimed_is_refused_before_anything_is_written()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var target = Path.Combine(dir.Path, "run");
        using (RunFolderClaim.Take(target, resume: false))
        {
            Assert.Contains("in use by another changwen process", FailsWithOneLine(["train", data, "--out", target, .. TinyTraining]));
            Assert.Equal([RunFolderClaim.LockFile], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        }
    }

    // ---- model folders: every bound and path checked when read back

    [Theory]
    [InlineData("max_len", "2000000000", "max_len 2000000000")]
    [InlineData("batch_size", "0", "batch_size 0")]
    [InlineData("embedding_dim", "100000000", "embedding_dim 100000000")]
    [InlineData("user_dictionary", "\"../../../etc/passwd\"", "outside the run folder")]
    [InlineData("stop_words", "\"/etc/passwd\"", "outside the run folder")]
    public void A_doctored_options_json_is_one_line_naming_it(string key, string value, string expected)
    {
        var model = TinyRun.Copy(run.RunDir, run.Scratch("doctored"));
        var path = Path.Combine(model, RunFolder.OptionsFile);
        var options = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var (_, section) in options)
            if (section is JsonObject values && values.ContainsKey(key)) values[key] = JsonNode.Parse(value);
        File.WriteAllText(path, options.ToJsonString());

        var line = FailsWithOneLine("predict", model, "球赛");
        Assert.Contains(RunFolder.OptionsFile, line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void A_flipped_byte_in_best_pt_is_one_line_and_a_run_without_the_checksum_still_loads()
    {
        var model = TinyRun.Copy(run.RunDir, run.Scratch("flipped"));
        var weights = Path.Combine(model, "best.pt");
        Assert.True(File.Exists(weights + ".sha256"));
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(weights, bytes);
        Assert.Contains("SHA-256", FailsWithOneLine("predict", model, "球赛"));

        var older = TinyRun.Copy(run.RunDir, run.Scratch("older"));
        File.Delete(Path.Combine(older, "best.pt.sha256"));   // a run saved before weights had checksums
        var (code, output, error) = Cli(["predict", older, "球赛"]);
        Assert.True(code == 0, error);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    // ---- corpora

    [Fact]
    public void A_corpus_with_one_class_is_one_line_and_leaves_no_folder()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        foreach (var other in Directory.GetDirectories(data).Skip(1)) Directory.Delete(other, recursive: true);
        var target = Path.Combine(dir.Path, "run");
        Assert.Contains("a classifier needs at least two", FailsWithOneLine(["train", data, "--out", target, .. TinyTraining]));
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void A_class_with_one_document_is_trained_on_and_reported()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        Directory.CreateDirectory(Path.Combine(data, "孤类"));
        File.WriteAllText(Path.Combine(data, "孤类", "only.txt"), "孤零零的一篇文章");
        var (code, output, error) = Cli(["train", data, "--out", Path.Combine(dir.Path, "run"), .. TinyTraining]);
        Assert.True(code == 0, error);
        Assert.Contains("1 class with a single document, kept in train only", output);
        Assert.Contains("孤类", RunFolder.ReadLabels(Path.Combine(dir.Path, "run")));
    }

    [Fact]
    public void A_truncated_or_foreign_gz_is_one_line_naming_the_file()
    {
        using var dir = new TempDir();
        var lines = new StringBuilder();
        for (var i = 0; i < 3000; i++) lines.Append(i % 2 == 0 ? "体育" : "财经").Append('\t').Append(TinyRun.Document(i % 2 == 0 ? "体育" : "财经", new Random(i))).Append('\n');
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(lines.ToString()));
        var whole = buffer.ToArray();
        var truncated = Path.Combine(dir.Path, "truncated.tsv.gz");
        File.WriteAllBytes(truncated, whole[..(whole.Length / 2)]);
        var foreign = dir.File("plain.tsv.gz", lines.ToString()[..2000]);

        Assert.Contains("truncated", FailsWithOneLine("inspect", truncated, "--no-words"));
        Assert.Contains(truncated, FailsWithOneLine("inspect", truncated, "--no-words"));
        Assert.Contains("not a valid gzip file", FailsWithOneLine("inspect", foreign, "--no-words"));
    }

    [Fact]
    public void A_label_with_a_tab_or_line_break_is_one_line_naming_its_line()
    {
        using var dir = new TempDir();
        var data = dir.File("news.jsonl", "{\"label\": \"体育\", \"text\": \"球赛\"}\n{\"label\": \"财\\n经\", \"text\": \"股市\"}\n");
        var line = FailsWithOneLine("inspect", data, "--no-words");
        Assert.StartsWith($"changwen: {data}:2: label", line);
    }

    [Fact]
    public void Dangling_and_looping_symbolic_links_in_a_folder_corpus_are_one_line()
    {
        if (OperatingSystem.IsWindows()) return;   // symbolic links need rights there
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var folder = Directory.GetDirectories(data)[0];
        File.CreateSymbolicLink(Path.Combine(folder, "ghost.txt"), Path.Combine(dir.Path, "nowhere.txt"));
        Assert.Contains("does not exist", FailsWithOneLine("inspect", data, "--no-words"));

        File.Delete(Path.Combine(folder, "ghost.txt"));
        File.CreateSymbolicLink(Path.Combine(folder, "a.txt"), Path.Combine(folder, "b.txt"));
        File.CreateSymbolicLink(Path.Combine(folder, "b.txt"), Path.Combine(folder, "a.txt"));
        Assert.Contains("cannot be read", FailsWithOneLine("inspect", data, "--no-words"));
    }

    // ---- training that diverges

    [Fact]
    public void A_loss_that_turns_NaN_stops_training_with_one_line_and_no_NaN_weights()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        // Vectors at float's limit: their mean overflows, so the very first loss is NaN.
        var characters = string.Concat(TinyCorpus.ClassCharacters.Values) + "的了是在和有也就都";
        var vectors = dir.File("huge.vec", string.Join("\n", characters.Distinct().Select(c => c + " " + string.Join(" ", Enumerable.Repeat("3e38", 8)))));
        var target = Path.Combine(dir.Path, "run");
        var line = FailsAfterProgress(["train", data, "--out", target, .. TinyTraining.Skip(2), "--model", "fasttext", "--embeddings", vectors]);
        Assert.Contains("training diverged: the loss became NaN at epoch 1, step 1", line);
        Assert.Contains("--lr", line);
        Assert.False(File.Exists(Path.Combine(target, "best.pt")));
    }

    // ---- long texts

    [Fact]
    public void A_pathological_long_text_is_cut_before_segmentation()
    {
        // Issue 22: 99,000 copies of one character cost jieba about 5 s in full; only 8 × max_len characters can
        // reach the encoder, so only those are segmented.
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var target = Path.Combine(dir.Path, "run");
        var (code, _, error) = Cli(["train", data, "--out", target, .. TinyTraining.Select(a => a == "char" ? "word" : a)]);
        Assert.True(code == 0, error);
        using var classifier = TextClassifier.Load(target);
        Assert.Equal(8 * 30, classifier.MaxTextChars);
        classifier.Predict("球赛");   // jieba's dictionary loads on first use
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var prediction = classifier.Predict(new string('的', 99_000));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{clock.Elapsed}");
        Assert.Equal(classifier.Predict(new string('的', classifier.MaxTextChars)).Probability, prediction.Probability);

        Assert.Equal("球", TextClassifier.CutToUsable(new string('球', 1000), 1, TruncateSide.Head));
        Assert.Equal("\ud83d\ude00", TextClassifier.CutToUsable("a\ud83d\ude00", 2, TruncateSide.Tail));
        Assert.Equal("a", TextClassifier.CutToUsable("a\ud83d\ude00", 2, TruncateSide.Head));
    }

    // ---- streaming predict

    [Fact]
    public void Lines_that_cannot_be_scored_become_error_records_and_the_run_goes_on()
    {
        var scratch = run.Scratch("lines");
        var input = Path.Combine(scratch, "in.jsonl");
        File.WriteAllText(input, string.Join("\n",
            """{"id":1,"text":"球赛冠军"}""",
            """{"id":2,"text":"a","text":"b"}""",
            """{"id":3,"text":"a\ud800"}""",
            """{"id":4,"text":"x\u0000y"}""",
            "not json",
            """{"id":6,"text":"股市银行"}""") + "\n");
        var output = Path.Combine(scratch, "out.jsonl");

        var (code, _, error) = Cli(["predict", run.RunDir, "--file", input, "--out", output]);
        Assert.True(code == 0, error);
        Assert.DoesNotContain("Unhandled", error);
        var records = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(6, records.Count);
        Assert.Equal([false, true, true, true, true, false], records.Select(r => r.ContainsKey("error")).ToArray());
        Assert.Equal(4, records[3]["id"]!.GetValue<int>());
        Assert.Equal(4, error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("changwen: warning: ")));
    }

    [Fact]
    public void Out_equal_to_the_input_or_a_folder_is_refused_before_scoring()
    {
        var scratch = run.Scratch("out");
        var input = Path.Combine(scratch, "in.txt");
        File.WriteAllText(input, "球赛冠军\n股市银行\n");
        Assert.Contains("--out names the --file", FailsWithOneLine("predict", run.RunDir, "--file", input, "--out", input));
        Assert.Equal("球赛冠军\n股市银行\n", File.ReadAllText(input));
        Assert.Contains("--out is a folder", FailsWithOneLine("predict", run.RunDir, "--file", input, "--out", scratch));
    }

    [Fact]
    public void A_binary_file_given_to_plain_predict_is_one_line()
    {
        var scratch = run.Scratch("binary");
        var input = Path.Combine(scratch, "blob.bin");
        File.WriteAllBytes(input, [0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0x0a, 0]);
        Assert.Contains("binary file", FailsWithOneLine("predict", run.RunDir, "--file", input));
    }
}

/// <summary>Malformed HTTP bodies: a 4xx JSON error in the request's own terms, never a .NET type name.</summary>
[Collection("torch")]
public sealed class BadHttpInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    [Theory]
    [InlineData("""{"texts": ["球赛"], "topk": 3}""", "unknown field 'topk'")]
    [InlineData("""{"texts": 5}""", "wrong type at $.texts")]
    [InlineData("""{"texts": [1, 2]}""", "wrong type at $.texts")]
    [InlineData("""{"texts": ["球赛"], "top_k": "three"}""", "wrong type at $.top_k")]
    [InlineData("""{"texts": ["a"]""", "")]
    public async Task A_malformed_body_is_400_json_without_type_names(string body, string expected)
    {
        using var response = await Client.PostAsync("/v1/classify", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
        Assert.Contains(expected, error.GetProperty("message").GetString());
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("Changwen.", text);
    }
}

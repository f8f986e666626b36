using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Changwen.Cli.Commands;
using Changwen.Diagnosis;
using Changwen.Runs;
using Changwen.Tests.Pipeline;
using Changwen.Tests.Training;

namespace Changwen.Tests.Cli;

/// <summary>
/// One run of `changwen train` that stalls as the original post's did (post-padded rows of 200 characters, documents of
/// 12..29, the classifier on the last position), shared by the tests that read its output and its run folder.
/// </summary>
public sealed class StalledCliRun : IDisposable
{
    private readonly TempDir dir = new();
    public string Corpus { get; }
    public string RunDir { get; }
    public int Code { get; }
    public string Output { get; }
    public string Error { get; }

    public StalledCliRun()
    {
        Corpus = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        RunDir = Path.Combine(dir.Path, "run");
        (Code, Output, Error) = DiagnoseCommandTests.Invoke(DiagnoseCommandTests.StalledTrainArgs(Corpus, RunDir));
    }

    public void Dispose() => dir.Dispose();
}

[Collection("torch")]
public sealed class DiagnoseCommandTests(StalledCliRun stalled) : IClassFixture<StalledCliRun>
{
    public static (int Code, string Output, string Error) Invoke(params string[] args)
    {
        var root = new RootCommand { TrainCommand.Create(), DiagnoseCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        return (code, output.ToString(), error.ToString());
    }

    private static readonly string[] SmallModel =
        ["--tokenizer", "char", "--embedding-dim", "16", "--hidden-dim", "16", "--batch-size", "8", "--lr", "0.01", "--threads", "1", "--cache", ""];

    /// <summary>48 training documents in batches of 8 for 9 epochs: 54 steps, enough for the plateau check (50).</summary>
    public static string[] StalledTrainArgs(string corpus, string runDir, params string[] extra) =>
        ["train", corpus, "--out", runDir, "--model", "lstm", "--max-len", "200", "--pool", "last", "--pad", "post", "--forget-bias", "none", "--clip-grad-norm", "none", "--bucket", "false", "--epochs", "9", .. SmallModel, .. extra];

    private static string[] Lines(string output) => output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    [Fact]
    public void Train_prints_each_finding_once_as_it_appears_and_lists_them_all_in_a_closing_diagnosis()
    {
        Assert.True(stalled.Code == 0, stalled.Error);
        var lines = Lines(stalled.Output);
        Assert.Single(lines, l => l.StartsWith("warning [padding-last-step] ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("warning [plateau] ", StringComparison.Ordinal));
        // The padding check comes before the first epoch, the plateau during training.
        Assert.True(Array.FindIndex(lines, l => l.StartsWith("warning [padding-last-step]", StringComparison.Ordinal)) <
                    Array.FindIndex(lines, l => l.StartsWith("epoch 1/9", StringComparison.Ordinal)));

        var closing = Array.IndexOf(lines, "Diagnosis:");
        Assert.True(closing > Array.FindIndex(lines, l => l.StartsWith("best val accuracy", StringComparison.Ordinal)), stalled.Output);
        var listed = lines.Skip(closing + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        var recorded = DiagnosisLog.Read(Path.Combine(stalled.RunDir, RunFolder.DiagnosisFile));
        Assert.Equal(recorded.Select(f => "  " + f.Describe()), listed);
        Assert.Contains(recorded, f => f.Code == FindingCode.Plateau);
    }

    [Fact]
    public void Train_with_no_watch_prints_only_the_checks_before_training_but_still_records_and_lists_every_finding()
    {
        using var dir = new TempDir();
        var runDir = Path.Combine(dir.Path, "quiet");

        var (code, output, error) = Invoke(StalledTrainArgs(stalled.Corpus, runDir, "--no-watch"));

        Assert.True(code == 0, error);
        var lines = Lines(output);
        Assert.Single(lines, l => l.StartsWith("warning [padding-last-step] ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("warning [plateau]", StringComparison.Ordinal));
        Assert.Contains("  warning [plateau] ", output); // in the closing list
        Assert.Contains(DiagnosisLog.Read(Path.Combine(runDir, RunFolder.DiagnosisFile)), f => f.Code == FindingCode.Plateau);
    }

    [Fact]
    public void Diagnose_run_dir_explains_a_finished_run_from_its_records()
    {
        var (code, output, error) = Invoke("diagnose", stalled.RunDir);

        Assert.True(code == 0, error);
        var lines = Lines(output);
        Assert.Contains(lines, l => l.StartsWith("Diagnosis of the run ", StringComparison.Ordinal) && l.EndsWith(':'));
        Assert.Contains(lines, l => l.StartsWith("  warning [padding-last-step] ", StringComparison.Ordinal));
        var plateau = Assert.Single(lines, l => l.StartsWith("  warning [plateau] ", StringComparison.Ordinal));
        Assert.Contains("--pool true-last or --pad pre", plateau);
        Assert.Equal("", error);
    }

    [Fact]
    public void Diagnose_json_prints_the_findings_as_one_array_of_code_severity_message_evidence_epoch_step_and_resolution()
    {
        var (code, output, error) = Invoke("diagnose", stalled.RunDir, "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output); // stdout holds the array only
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var findings = json.RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(findings);
        foreach (var f in findings)
        {
            Assert.Equal(["code", "epoch", "evidence", "message", "resolved_epoch", "severity", "step"], f.EnumerateObject().Select(p => p.Name).Order());
            Assert.Contains(f.GetProperty("severity").GetString(), new[] { "warning", "info" });
            Assert.Equal(JsonValueKind.Object, f.GetProperty("evidence").ValueKind);
        }
        var padding = findings.Single(f => f.GetProperty("code").GetString() == "padding-last-step");
        Assert.Equal(JsonValueKind.Null, padding.GetProperty("epoch").ValueKind); // found before training
        var plateau = findings.Single(f => f.GetProperty("code").GetString() == "plateau");
        Assert.InRange(plateau.GetProperty("step").GetInt64(), 50, 54);
        Assert.Equal("padding-last-step", plateau.GetProperty("evidence").GetProperty("cause").GetString());
    }

    [Fact]
    public void Diagnose_data_runs_the_checks_before_training_with_the_train_flags_and_trains_nothing()
    {
        using var dir = new TempDir();
        var corpus = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 30); // 24 training documents per class

        var (code, output, error) = Invoke(["diagnose", corpus, "--max-len", "200", "--pool", "last", "--no-shuffle", .. SmallModel]);

        Assert.True(code == 0, error);
        var lines = Lines(output);
        Assert.Contains(lines, l => l.StartsWith("Diagnosis of ", StringComparison.Ordinal) && l.EndsWith("before training:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  warning [padding-last-step] ", StringComparison.Ordinal));
        // A folder corpus is read class by class: unshuffled, every epoch learns one class after another.
        Assert.Contains(lines, l => l.StartsWith("  warning [label-ordered-unshuffled] ", StringComparison.Ordinal) && l.Contains("Drop --no-shuffle"));
        Assert.DoesNotContain(lines, l => l.StartsWith("epoch", StringComparison.Ordinal));
        Assert.Equal(["corpus"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));

        // Changwen's default reads each document's last word.
        var (fixedCode, fixedOutput, fixedError) = Invoke(["diagnose", corpus, "--max-len", "30", .. SmallModel]);
        Assert.True(fixedCode == 0, fixedError);
        Assert.Contains(Lines(fixedOutput), l => l.EndsWith("before training: no problems found", StringComparison.Ordinal));

        var (jsonCode, jsonOutput, jsonError) = Invoke(["diagnose", corpus, "--max-len", "200", "--pool", "last", "--no-shuffle", "--json", .. SmallModel]);
        Assert.True(jsonCode == 0, jsonError);
        using var json = JsonDocument.Parse(jsonOutput);
        Assert.Equal(["label-ordered-unshuffled", "padding-last-step", "truncation"],
            json.RootElement.EnumerateArray().Select(f => f.GetProperty("code").GetString()).Order());
    }

    [Fact]
    public void Diagnose_a_run_folder_that_never_trained_says_so_in_one_line()
    {
        using var dir = new TempDir();
        dir.File("run/options.json", "{}");
        var error = Assert.Throws<UserInputException>(() => Invoke("diagnose", Path.Combine(dir.Path, "run")));
        Assert.Contains("metrics.jsonl", error.Message);
        Assert.Contains("has not trained", error.Message);
    }

    /// <summary>Every flag a finding's message suggests is a `train` flag, and an enum flag's suggested value is one it accepts.</summary>
    [Fact]
    public void The_flags_the_findings_suggest_exist_with_the_values_they_name()
    {
        var train = TrainCommand.Create();
        var flags = train.Options.ToDictionary(o => o.Name);
        var suggested = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "src", "Changwen", "Diagnosis"), "*.cs")
            .SelectMany(file => Regex.Matches(File.ReadAllText(file), @"(--[a-z][a-z-]+)(?: ([a-z][a-z-]*))?").Select(m => (Flag: m.Groups[1].Value, Value: m.Groups[2].Value)))
            .Distinct().ToList();
        Assert.Contains(suggested, s => s is ("--pool", "true-last"));
        foreach (var (flag, value) in suggested)
        {
            Assert.True(flags.TryGetValue(flag, out var option), $"{flag} is suggested by a finding but is not a train flag");
            // Enum flags list their values in the help name (last|true-last|...): the suggested one must be among them.
            if (option!.HelpName is { } names && names.Contains('|') && value != "")
                Assert.True(names.Split('|').Contains(value), $"{flag} {value}: not one of {names}");
        }
        Assert.DoesNotContain(suggested, s => s.Flag == "--dropout");
    }
}

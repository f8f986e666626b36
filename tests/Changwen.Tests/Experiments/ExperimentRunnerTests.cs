using System.CommandLine;
using Changwen.Cli.Commands;
using Changwen.Experiments;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Tests.Experiments;

[Collection("torch")]
public sealed class ExperimentRunnerTests
{
    /// <summary>Small, fast runs on the tiny character corpus (<see cref="TinyCorpus"/>).</summary>
    private const string Defaults = """
        epochs: 2
        defaults:
          tokenizer: char
          max-len: 30
          embedding-dim: 16
          hidden-dim: 16
          batch-size: 8
          lr: 0.01
          seed: 5
          threads: 1
        """;

    private static (ExperimentPlan Plan, IReadOnlyList<ExperimentRun> Runs) Plan(string runs)
    {
        var plan = ExperimentPlan.Parse(Defaults + "\nruns:\n" + runs, "test-plan.yaml", json: false);
        return (plan, ExperimentCommand.Resolve(plan));
    }

    private static IReadOnlyList<RunRow> Run(string data, (ExperimentPlan Plan, IReadOnlyList<ExperimentRun> Runs) experiment, string outDir,
        bool resume, List<string> messages, CancellationTokenSource? cancel = null, string? cancelOn = null) =>
        ExperimentRunner.Run(data, experiment.Plan, experiment.Runs, outDir, resume, only: null, cacheDir: "",
            new Training.SyncProgress(u =>
            {
                if (u.Message is null) return;
                messages.Add(u.Message);
                if (cancelOn is not null && u.Message.StartsWith(cancelOn, StringComparison.Ordinal)) cancel!.Cancel();
            }),
            cancel?.Token ?? CancellationToken.None);

    private static List<int> EpochsIn(string outDir, string run) =>
        MetricsLog.Read(Path.Combine(ExperimentReport.RunDir(outDir, run), RunFolder.MetricsFile)).Epochs.Select(e => e.Epoch).ToList();

    [Fact]
    public void An_experiment_stopped_mid_run_resumes_skipping_finished_runs_continuing_the_stopped_one_and_starting_the_rest()
    {
        using var dir = new TempDir();
        var data = Pipeline.TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var outDir = Path.Combine(dir.Path, "experiment");
        var experiment = Plan("""
              - name: first
              - name: second
                pool: true-last
              - name: third
                max-len: 20
            """);

        // Stop in the middle of the second run: after its first epoch.
        using var cancel = new CancellationTokenSource();
        var messages = new List<string>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Run(data, experiment, outDir, resume: false, messages, cancel, cancelOn: "[second] epoch 1/2"));

        var rows = ExperimentReport.Collect(outDir, experiment.Plan.Runs);
        Assert.Equal([RunStatus.Finished, RunStatus.Unfinished, RunStatus.NotStarted], rows.Select(r => r.Status));
        Assert.Equal([1], EpochsIn(outDir, "second"));
        var report = File.ReadAllText(Path.Combine(outDir, ExperimentReport.MarkdownFile));
        Assert.Contains("| first | — | finished |", report);
        Assert.Contains("| second | `pool=true-last` | unfinished (1/2 epochs) |", report);
        Assert.Contains("| third | `max-len=20` | not started |", report);
        Assert.True(File.Exists(Path.Combine(outDir, ExperimentReport.LossPng)));

        // Starting it again without --resume would mix two experiments in one folder.
        var refused = Assert.Throws<UserInputException>(() => Run(data, experiment, outDir, resume: false, []));
        Assert.Contains("--resume", refused.Message);

        var firstMetrics = File.ReadAllBytes(Path.Combine(ExperimentReport.RunDir(outDir, "first"), RunFolder.MetricsFile));
        messages.Clear();
        rows = Run(data, experiment, outDir, resume: true, messages);

        Assert.Contains("run 1/3 first: finished earlier, skipped", messages);
        Assert.Contains(messages, m => m.StartsWith("run 2/3 second: resuming", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("run 3/3 third: starting", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("[second] epoch 2/2", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.StartsWith("[second] epoch 1/2", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.StartsWith("[first]", StringComparison.Ordinal));
        Assert.Equal(firstMetrics, File.ReadAllBytes(Path.Combine(ExperimentReport.RunDir(outDir, "first"), RunFolder.MetricsFile)));
        Assert.All(rows, r => Assert.Equal(RunStatus.Finished, r.Status));
        Assert.Equal([1, 2], EpochsIn(outDir, "second"));
        Assert.Equal([1, 2], EpochsIn(outDir, "third"));
        Assert.Equal(20, Changwen.Runs.RunFolder.ReadOptions(ExperimentReport.RunDir(outDir, "third")).Encoding.MaxLen);
        Assert.Equal(PoolKind.TrueLast, Changwen.Runs.RunFolder.ReadOptions(ExperimentReport.RunDir(outDir, "second")).Model.Pool);
        Assert.All(rows, r => Assert.NotNull(r.Summary!.TestAccuracy));
        Assert.Contains("3 runs: 3 finished.", File.ReadAllText(Path.Combine(outDir, ExperimentReport.MarkdownFile)));
    }

    [Fact]
    public void A_failing_run_is_reported_and_the_experiment_goes_on()
    {
        using var dir = new TempDir();
        var data = Pipeline.TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var outDir = Path.Combine(dir.Path, "experiment");
        var planPath = Path.Combine(dir.Path, "plan.yaml");
        File.WriteAllText(planPath, Defaults.Replace("epochs: 2", "epochs: 1") + """

            runs:
              - name: broken
                embeddings: no-such-vectors.vec
              - name: fine
            """);

        var root = new RootCommand { ExperimentCommand.Create() };
        var output = new StringWriter();
        var code = root.Parse(["experiment", planPath, data, "--out", outDir, "--cache", ""])
            .Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter(), EnableDefaultExceptionHandler = false });

        Assert.Equal(1, code); // a run failed: scripts can tell, though the experiment went on
        var text = output.ToString();
        // A value out of range is refused before any run starts (BadInputTests); a missing file only fails its own run.
        Assert.Contains("run 1/2 broken: failed: ", text);
        Assert.Contains("no-such-vectors.vec: word vector file not found", text);
        Assert.Contains("[fine] epoch 1/1", text);
        Assert.Contains("report: " + Path.Combine(outDir, "report.md"), text);
        var report = File.ReadAllText(Path.Combine(outDir, ExperimentReport.MarkdownFile));
        Assert.Contains("| broken | `embeddings=no-such-vectors.vec` | failed: ", report);
        Assert.Contains("| fine | — | finished |", report);
        Assert.Contains("word vector file not found", File.ReadAllText(Path.Combine(outDir, ExperimentReport.HtmlFile)));
    }
}

using Changwen.Bundle;
using Changwen.Diagnosis;
using Changwen.Experiments;
using Changwen.IO;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Tests.Experiments;

/// <summary>The report from run folders written by hand (no training), so each status and verdict is exact.</summary>
public sealed class ExperimentReportTests
{
    private static readonly double Ln4 = Math.Log(4);

    [Theory]
    [InlineData(1.00, true)]
    [InlineData(0.95, true)]
    [InlineData(0.949, false)]
    [InlineData(0.50, false)]
    public void A_run_stalled_when_its_epoch_1_loss_is_within_5_percent_of_ln_C(double fractionOfLnC, bool stalled)
    {
        Assert.Equal(stalled, ExperimentReport.IsStalled(fractionOfLnC * Ln4, numClasses: 4));
    }

    [Fact]
    public void One_class_never_counts_as_stalled() => Assert.False(ExperimentReport.IsStalled(0.0, numClasses: 1));

    private static PlannedRun Planned(string name, params PlanSetting[] overrides) => new(name, overrides, overrides);

    /// <summary>A run folder as TrainingJob leaves it, from the epochs' train losses (val accuracy rises 10 points an epoch).</summary>
    private static void WriteRun(string runDir, double[] epochLosses, bool finished, float[]? extraEpochSteps = null)
    {
        Directory.CreateDirectory(runDir);
        RunFolder.WriteOptions(runDir, new TrainOptions());
        RunFolder.WriteLabels(runDir, ["体育", "财经", "科技", "娱乐"]);
        var metrics = new List<byte>();
        long step = 0;
        for (var e = 0; e < epochLosses.Length; e++)
        {
            metrics.AddRange(MetricsLog.Line(new StepRecord { Epoch = e + 1, Step = ++step, Loss = (float)epochLosses[e] }));
            metrics.AddRange(MetricsLog.Line(new EpochRecord
            {
                Epoch = e + 1, TrainLoss = epochLosses[e], ValLoss = epochLosses[e], TrainAccuracy = 0.3 + 0.1 * e, ValAccuracy = 0.25 + 0.1 * e,
                Seconds = 12.5, Lr = 0.001,
            }));
        }
        foreach (var loss in extraEpochSteps ?? [])
            metrics.AddRange(MetricsLog.Line(new StepRecord { Epoch = epochLosses.Length + 1, Step = ++step, Loss = loss }));
        File.WriteAllBytes(Path.Combine(runDir, RunFolder.MetricsFile), metrics.ToArray());
        if (epochLosses.Length > 0)
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), Json.Serialize(new TrainingSummary
            {
                BestValAccuracy = 0.25 + 0.1 * (epochLosses.Length - 1), BestEpoch = epochLosses.Length, EpochsRun = epochLosses.Length,
                EpochsPlanned = 3, FinalTrainLoss = epochLosses[^1], SecondsPerEpoch = 12.5, Finished = finished,
                TestAccuracy = finished ? 0.38 : null, TestMacroF1 = finished ? 0.3125 : null,
            }));
        if (finished) File.WriteAllBytes(Path.Combine(runDir, RunFolder.CurvePng), [0x89]);
    }

    [Fact]
    public void Report_tables_every_run_with_its_status_scores_and_stall_verdict_and_embeds_both_curves()
    {
        using var dir = new TempDir();
        var runs = new[]
        {
            Planned("flat", new PlanSetting("max-len", "500")),
            Planned("slow-start", new PlanSetting("lr", "0.0003")),
            Planned("learns", new PlanSetting("max-len", "50")),
            Planned("midway", new PlanSetting("pool", "true-last")),
            Planned("broken", new PlanSetting("max-len", "0")),
            Planned("later|next"),
        };
        WriteRun(ExperimentReport.RunDir(dir.Path, "flat"), [0.97 * Ln4, 0.96 * Ln4, 0.96 * Ln4], finished: true);
        WriteRun(ExperimentReport.RunDir(dir.Path, "slow-start"), [0.99 * Ln4, 0.97 * Ln4, 0.6 * Ln4], finished: true);
        WriteRun(ExperimentReport.RunDir(dir.Path, "learns"), [0.8 * Ln4, 0.5 * Ln4, 0.3 * Ln4], finished: true);
        // Killed inside epoch 1: the verdict comes from its steps so far.
        WriteRun(ExperimentReport.RunDir(dir.Path, "midway"), [], finished: false, extraEpochSteps: [1.40f, 1.36f]);
        Directory.CreateDirectory(ExperimentReport.RunDir(dir.Path, "broken"));
        File.WriteAllText(Path.Combine(ExperimentReport.RunDir(dir.Path, "broken"), ExperimentReport.FailureFile), "--max-len must be at least 1, got 0\n");

        var rows = ExperimentReport.Write(dir.Path, "my-plan.yaml", [new PlanSetting("epochs", "3")], runs, "/data/新闻");

        Assert.Equal([RunStatus.Finished, RunStatus.Finished, RunStatus.Finished, RunStatus.Unfinished, RunStatus.Failed, RunStatus.NotStarted], rows.Select(r => r.Status));
        Assert.Equal([true, true, false, true, null, null], rows.Select(r => r.Stalled));
        Assert.Equal([null, 3, null, null, null, null], rows.Select(r => r.LeftChanceAtEpoch));
        Assert.Equal((1.40 + 1.36) / 2, rows[3].Epoch1TrainLoss!.Value, 5);

        var md = File.ReadAllText(Path.Combine(dir.Path, ExperimentReport.MarkdownFile));
        Assert.Contains("# Experiment: my-plan.yaml", md);
        Assert.Contains("Every run: `epochs=3`", md);
        Assert.Contains("| flat | `max-len=500` | finished | 45.00 % | 3 | 38.00 % | 0.3125 | 1.331 | yes | none | 12.5 |", md);
        Assert.Contains("| slow-start | `lr=0.0003` | finished | 45.00 % | 3 | 38.00 % | 0.3125 | 0.832 | yes, until epoch 3 | none | 12.5 |", md);
        Assert.Contains("| learns | `max-len=50` | finished | 45.00 % | 3 | 38.00 % | 0.3125 | 0.416 | no | none | 12.5 |", md);
        Assert.Contains("| midway | `pool=true-last` | started | — | — | — | — | — | yes | none | — |", md);
        Assert.Contains("| broken | `max-len=0` | failed: --max-len must be at least 1, got 0 | — |", md);
        Assert.Contains("| later\\|next | — | not started |", md);
        Assert.Contains("at least 0.95 × ln C = 1.317 (C = 4 classes, ln C = 1.386)", md);
        Assert.Contains("6 runs: 3 finished, 1 unfinished, 1 failed, 1 not started.", md);
        Assert.Contains("](loss.png)", md);
        Assert.Contains("](val-accuracy.png)", md);

        foreach (var png in new[] { ExperimentReport.LossPng, ExperimentReport.ValAccuracyPng })
            Assert.True(new FileInfo(Path.Combine(dir.Path, png)).Length > 1000, png);
        var html = File.ReadAllText(Path.Combine(dir.Path, ExperimentReport.HtmlFile));
        Assert.Contains("<img src=\"loss.png\"", html);
        Assert.Contains("<img src=\"val-accuracy.png\"", html);
        Assert.Contains("<style>", html);
        Assert.Contains("<td>later|next</td>", html);
        Assert.Contains("<tr class=\"failed\"><td>broken</td>", html);
        Assert.Contains("<tr class=\"stalled\"><td>flat</td>", html);
        Assert.Contains("<code>/data/新闻</code>", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void The_watcher_column_names_a_plateau_the_watcher_finds_replaying_the_run()
    {
        using var dir = new TempDir();
        var runDir = ExperimentReport.RunDir(dir.Path, "stuck");
        WriteRun(runDir, [Ln4, Ln4], finished: true);
        // 40 steps an epoch at ln C, as a stalled run records them: judged after 50 steps (the watcher's least).
        var random = new Random(5);
        var metrics = new List<byte>();
        for (var step = 1; step <= 80; step++)
        {
            var epoch = (step - 1) / 40 + 1;
            metrics.AddRange(MetricsLog.Line(new StepRecord { Epoch = epoch, Step = step, Loss = (float)(Ln4 + 0.02 * (random.NextDouble() - 0.5)) }));
            if (step % 40 == 0)
                metrics.AddRange(MetricsLog.Line(new EpochRecord { Epoch = epoch, TrainLoss = Ln4, ValLoss = Ln4, TrainAccuracy = 0.25, ValAccuracy = 0.25, Seconds = 1, Lr = 0.001 }));
        }
        File.WriteAllBytes(Path.Combine(runDir, RunFolder.MetricsFile), metrics.ToArray());

        var row = Assert.Single(ExperimentReport.Write(dir.Path, "seed", [], [Planned("stuck")]));

        Assert.Equal(FindingCode.Plateau, Assert.Single(row.Watched!).Code);
        Assert.Contains("| yes | plateau (step 50) | 12.5 |", File.ReadAllText(Path.Combine(dir.Path, ExperimentReport.MarkdownFile)));
    }

    [Fact]
    public void Report_of_an_experiment_without_a_finished_epoch_draws_no_curves()
    {
        using var dir = new TempDir();
        ExperimentReport.Write(dir.Path, "seed", [], [Planned("first"), Planned("second")]);

        Assert.False(File.Exists(Path.Combine(dir.Path, ExperimentReport.LossPng)));
        var html = File.ReadAllText(Path.Combine(dir.Path, ExperimentReport.HtmlFile));
        Assert.DoesNotContain("<img", html);
        Assert.Contains("2 runs: 2 not started.", File.ReadAllText(Path.Combine(dir.Path, ExperimentReport.MarkdownFile)));
    }

    [Fact]
    public void A_run_whose_trainer_finished_but_whose_test_scoring_did_not_is_unfinished()
    {
        using var dir = new TempDir();
        var runDir = ExperimentReport.RunDir(dir.Path, "almost");
        WriteRun(runDir, [1.0, 0.5], finished: true);
        File.Delete(Path.Combine(runDir, RunFolder.CurvePng));

        Assert.Equal(RunStatus.Unfinished, ExperimentReport.StatusOf(runDir));
    }
}

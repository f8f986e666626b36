using System.Text;
using Changwen.Bundle;
using Changwen.Diagnosis;
using Changwen.Runs;
using Changwen.Training;
using static Changwen.Tests.Diagnosis.DiagnosisFixtures;
using static System.FormattableString;

namespace Changwen.Tests.Diagnosis;

public sealed class RunDiagnosisTests
{
    private const int Classes = 14;
    private const int StepsPerEpoch = 100;

    /// <summary>A run folder as the trainer leaves it: options, labels, summary and metrics.jsonl lines written by hand.</summary>
    private static void WriteRun(string dir, IReadOnlyList<double> losses, Func<long, string> gradLine, IEnumerable<string> epochLines,
        bool recordSummary = true)
    {
        RunFolder.WriteOptions(dir, new TrainOptions { Model = new ModelOptions { Pool = PoolKind.Last }, Optimizer = new OptimizerOptions { Lr = 0.001, BatchSize = 64 } });
        RunFolder.WriteLabels(dir, Enumerable.Range(0, Classes).Select(c => $"类别{c}").ToList());
        if (recordSummary) File.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), """{"train_docs": 6400, "val_docs": 700, "finished": true}""");
        var metrics = new StringBuilder();
        var epochs = epochLines.ToList();
        for (var i = 0; i < losses.Count; i++)
        {
            long step = i + 1;
            var epoch = i / StepsPerEpoch + 1;
            metrics.AppendLine(Invariant($$"""{"type":"step","epoch":{{epoch}},"step":{{step}},"loss":{{losses[i]:R}}}"""));
            metrics.AppendLine(gradLine(step).Replace("EPOCH", epoch.ToString()));
            if (step % StepsPerEpoch == 0) metrics.AppendLine(epochs[epoch - 1]);
        }
        File.WriteAllText(Path.Combine(dir, RunFolder.MetricsFile), metrics.ToString());
    }

    private static string EpochLine(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy) =>
        Invariant($$"""{"type":"epoch","epoch":{{epoch}},"train_loss":{{trainLoss}},"train_accuracy":{{trainAccuracy}},"val_loss":{{valLoss}},"val_accuracy":{{valAccuracy}},"seconds":10,"docs_per_second":640,"lr":0.001}""");

    private static string OneClassPredictions(int epoch) =>
        Invariant($$"""{"type":"predictions","epoch":{{epoch}},"predicted":[{{string.Join(",", Enumerable.Range(0, Classes).Select(c => c == 13 ? 700 : 0))}}],"actual":[{{string.Join(",", Enumerable.Repeat(50, Classes))}}]}""");

    private static void WriteStalledRun(string dir, bool recordSummary = true)
    {
        var chance = Math.Log(Classes);
        WriteRun(dir, FlatAtChance(Classes, 2 * StepsPerEpoch, seed: 21).ToList(),
            step => Invariant($$$"""{"type":"grad","epoch":EPOCH,"step":{{{step}}},"groups":{"embedding":1e-08,"lstm layer 0":2e-07,"classifier":0.01}}"""),
            [EpochLine(1, chance, 0.07, chance, 0.071) + "\n" + OneClassPredictions(1), EpochLine(2, chance, 0.07, chance, 0.071) + "\n" + OneClassPredictions(2)],
            recordSummary);
    }

    [Fact]
    public void Explains_a_stalled_run_from_its_recorded_metrics_naming_the_padding_fix()
    {
        using var dir = new TempDir();
        WriteStalledRun(dir.Path);
        new DiagnosisLog(Path.Combine(dir.Path, RunFolder.DiagnosisFile)).Add([new Finding
        {
            Code = FindingCode.PaddingLastStep, Severity = Severity.Warning, Message = "recorded before training",
            Evidence = new Dictionary<string, object> { ["share_ending_in_padding"] = 0.87, ["median_pad_steps"] = 310.0 },
        }]);

        var findings = RunDiagnosis.Explain(dir.Path);

        Assert.Equal([FindingCode.PaddingLastStep, FindingCode.VanishingGradients, FindingCode.Plateau, FindingCode.Collapse], findings.Select(f => f.Code));
        Assert.Equal("recorded before training", findings[0].Message);
        var plateau = findings[2];
        Assert.Equal(StepsPerEpoch, plateau.Step); // judged after one epoch, known from summary.json's train_docs
        Assert.Contains("--pool true-last or --pad pre", plateau.Message);
        Assert.Contains("87%", plateau.Message);
        Assert.Equal(TrainingWatcher.VanishingSustainRecords, findings[1].Step);
        Assert.Contains("类别13", findings[3].Message);
    }

    [Fact]
    public void Without_a_summary_or_diagnosis_file_the_epoch_length_and_the_padding_cause_come_from_metrics_and_options()
    {
        using var dir = new TempDir();
        WriteStalledRun(dir.Path, recordSummary: false);
        var plateau = Assert.Single(RunDiagnosis.Explain(dir.Path), f => f.Code == FindingCode.Plateau);
        Assert.Equal(StepsPerEpoch, plateau.Step);
        Assert.Contains("which is padding: use --pool true-last or --pad pre", plateau.Message);
    }

    [Fact]
    public void A_run_stuck_at_the_class_frequencies_is_a_plateau_judged_from_the_recorded_validation_counts()
    {
        // Validation counts 300 of one class and 30 of each other: answering the shares costs 1.93, not ln 14 = 2.64.
        long[] actual = [.. Enumerable.Range(0, Classes).Select(c => c == 0 ? 300L : 30L)];
        var prior = -actual.Sum(n => (double)n / actual.Sum() * Math.Log((double)n / actual.Sum()));
        var predictions = Invariant($$"""{"type":"predictions","epoch":1,"predicted":[{{string.Join(",", actual.Select((_, c) => c == 0 ? 690 : 0))}}],"actual":[{{string.Join(",", actual)}}]}""");
        var random = new Random(24);
        using var dir = new TempDir();
        WriteRun(dir.Path, Enumerable.Range(0, 2 * StepsPerEpoch).Select(_ => prior + 0.04 * Gaussian(random)).ToList(),
            step => Invariant($$$"""{"type":"grad","epoch":EPOCH,"step":{{{step}}},"groups":{"embedding":0.01,"lstm layer 0":0.05,"classifier":0.3}}"""),
            [EpochLine(1, prior, 0.43, prior, 0.43) + "\n" + predictions, EpochLine(2, prior, 0.43, prior, 0.43)]);

        var plateau = Assert.Single(RunDiagnosis.Explain(dir.Path), f => f.Code == FindingCode.Plateau);
        Assert.Equal(StepsPerEpoch, plateau.Step);
        Assert.Contains("class-frequency level", plateau.Message);
        Assert.Equal(prior, (double)plateau.Evidence["prior_loss"], 4);
    }

    [Fact]
    public void A_healthy_run_explains_to_nothing()
    {
        using var dir = new TempDir();
        var random = new Random(22);
        WriteRun(dir.Path, Falling(Classes, 3 * StepsPerEpoch, StepsPerEpoch, seed: 23).ToList(),
            step => Invariant($$$"""{"type":"grad","epoch":EPOCH,"step":{{{step}}},"groups":{"embedding":0.01,"lstm layer 0":{{{0.05 * Math.Exp(0.3 * Gaussian(random)):R}}},"classifier":{{{0.3 * Math.Exp(0.3 * Gaussian(random)):R}}}}}"""),
            [EpochLine(1, 1.2, 0.6, 1.0, 0.65), EpochLine(2, 0.6, 0.8, 0.7, 0.75), EpochLine(3, 0.4, 0.88, 0.6, 0.8)]);
        new DiagnosisLog(Path.Combine(dir.Path, RunFolder.DiagnosisFile)).Add([]);

        Assert.Empty(RunDiagnosis.Explain(dir.Path));
    }

    [Fact]
    public void A_folder_without_metrics_is_refused_in_one_line()
    {
        using var dir = new TempDir();
        RunFolder.WriteOptions(dir.Path, new TrainOptions());
        RunFolder.WriteLabels(dir.Path, ["体育", "财经"]);
        var e = Assert.Throws<UserInputException>(() => RunDiagnosis.Explain(dir.Path));
        Assert.Contains(RunFolder.MetricsFile, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}

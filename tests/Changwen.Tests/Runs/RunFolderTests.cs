using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Tests.Runs;

/// <summary>Runs/ is the one owner of a run folder: what it is, whether its job ended, what a new run refuses.</summary>
public class RunFolderTests
{
    private static void WriteSummary(string dir, bool finished) =>
        AtomicFile.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), Json.Serialize(new TrainingSummary { Finished = finished, EpochsRun = 2 }));

    [Fact]
    public void A_run_is_its_options_and_metrics()
    {
        using var dir = new TempDir();
        Assert.False(RunFolder.IsRun(dir.Path));
        dir.File(RunFolder.OptionsFile, "{}");
        Assert.False(RunFolder.IsRun(dir.Path));
        dir.File(RunFolder.MetricsFile, "");
        Assert.True(RunFolder.IsRun(dir.Path));
    }

    [Fact]
    public void The_finished_marker_says_the_job_ended_and_a_resume_takes_it_away()
    {
        using var dir = new TempDir();
        WriteSummary(dir.Path, finished: true); // the trainer marks the summary before the test split is scored
        Assert.False(RunFolder.IsFinished(dir.Path));
        RunFolder.MarkFinished(dir.Path, new TrainingSummary { EpochsRun = 2, BestEpoch = 1, BestValAccuracy = 0.5 });
        Assert.True(RunFolder.IsFinished(dir.Path));
        Assert.Equal(2, Json.Deserialize<FinishedRecord>(File.ReadAllText(Path.Combine(dir.Path, RunFolder.FinishedFile))).EpochsRun);
        RunFolder.ClearFinished(dir.Path);
        Assert.False(RunFolder.IsFinished(dir.Path));
    }

    [Fact]
    public void A_run_written_before_the_marker_is_finished_by_its_summary_and_curve()
    {
        using var dir = new TempDir();
        WriteSummary(dir.Path, finished: false);
        dir.File(RunFolder.CurvePng, "png");
        Assert.False(RunFolder.IsFinished(dir.Path));
        WriteSummary(dir.Path, finished: true);
        Assert.True(RunFolder.IsFinished(dir.Path));
        dir.File(RunFolder.SummaryFile, "{\"finished\": tr");
        Assert.False(RunFolder.IsFinished(dir.Path)); // damaged: not finished, and no exception
    }

    [Fact]
    public void A_new_run_refuses_a_folder_holding_any_run_file()
    {
        foreach (var name in RunFolderClaim.RunFiles)
        {
            using var dir = new TempDir();
            dir.File(name, "x");
            var e = Assert.Throws<UserInputException>(() => RunFolderClaim.CheckUsable(dir.Path, resume: false));
            Assert.Contains(name, e.Message);
        }
        Assert.Contains(RunFolder.FinishedFile, RunFolderClaim.RunFiles);
        Assert.Contains(RunFolder.LinearModelFile, RunFolderClaim.RunFiles);
    }
}

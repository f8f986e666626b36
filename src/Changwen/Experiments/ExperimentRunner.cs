using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Experiments;

/// <summary>A planned run with the training options its settings stand for.</summary>
public sealed record ExperimentRun(PlannedRun Plan, TrainOptions Options)
{
    public string Name => Plan.Name;
}

/// <summary>
/// Runs an experiment's runs one after another, each a <see cref="Pipeline.TrainingJob"/> into <c>OUT/runs/NAME</c>, and rewrites
/// the report after each. The experiment can be killed at any moment; with <c>resume</c> finished runs are skipped,
/// an unfinished run continues from its last finished epoch, and the rest start.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>
    /// Trains the runs named by <paramref name="only"/> (all when empty; see <see cref="ExperimentPlan.Select"/>) on
    /// <paramref name="dataPath"/> and returns the report's rows for every run of the plan.
    /// </summary>
    /// <param name="plan">The plan (its name and defaults head the report; its runs are the report's rows).</param>
    /// <param name="runs">The plan's runs with their options, in plan order (the CLI resolves settings into options).</param>
    /// <param name="resume">Continue the experiment in <paramref name="outDir"/>; without it a folder that already
    /// holds runs is refused.</param>
    /// <param name="ct">Cancels the current run between steps (it stays resumable); the report is rewritten first, then
    /// <see cref="OperationCanceledException"/> is thrown.</param>
    /// <remarks>A run that fails with a <see cref="UserInputException"/> is recorded as failed (its message in
    /// <see cref="ExperimentReport.FailureFile"/>) and the experiment goes on; a resumed experiment tries it again.</remarks>
    public static IReadOnlyList<RunRow> Run(string dataPath, ExperimentPlan plan, IReadOnlyList<ExperimentRun> runs, string outDir,
        bool resume, IReadOnlyCollection<string>? only, string? cacheDir, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        outDir = Path.GetFullPath(outDir);
        var runsDir = Path.Combine(outDir, ExperimentReport.RunsFolder);
        if (!resume && Directory.Exists(runsDir) && Directory.EnumerateFileSystemEntries(runsDir).Any())
            throw UserInputException.At(outDir, null, "already holds an experiment. Continue it with --resume, or give a new --out folder");
        if (!runs.Select(r => r.Name).SequenceEqual(plan.Runs.Select(r => r.Name)))
            throw new ArgumentException("runs must be the plan's runs, in plan order", nameof(runs));
        var selected = plan.Select(only).Select(p => runs.First(r => r.Name == p.Name)).ToList();
        Directory.CreateDirectory(runsDir);

        IReadOnlyList<RunRow> Report() => ExperimentReport.Write(outDir, PlanTitle(plan), plan.Defaults, plan.Runs, Path.GetFullPath(dataPath));
        Report();
        for (var i = 0; i < selected.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var run = selected[i];
            var runDir = ExperimentReport.RunDir(outDir, run.Name);
            var label = $"run {i + 1}/{selected.Count} {run.Name}";
            progress?.Report(new ProgressUpdate("experiment", i, selected.Count));
            var status = ExperimentReport.StatusOf(runDir);
            if (status == RunStatus.Finished)
            {
                progress?.Report(new ProgressUpdate("experiment", i + 1, selected.Count, $"{label}: finished earlier, skipped"));
                continue;
            }
            var failure = Path.Combine(runDir, ExperimentReport.FailureFile);
            if (File.Exists(failure)) File.Delete(failure); // tried again: the cause may have been fixed
            // A run that got as far as writing its options resumes from them; anything earlier starts afresh.
            var resumeRun = File.Exists(Path.Combine(runDir, RunFolder.OptionsFile));
            progress?.Report(new ProgressUpdate("experiment", i, selected.Count,
                $"{label}: {(resumeRun ? "resuming" : "starting")} ({(run.Plan.Overrides.Count == 0 ? "plan defaults" : string.Join(" ", run.Plan.Overrides))})"));
            try
            {
                var result = Jobs.TrainJob.Run(dataPath, run.Options, runDir, resumeRun, cacheDir, Prefixed(progress, run.Name), ct);
                progress?.Report(new ProgressUpdate("experiment", i + 1, selected.Count,
                    $"{label}: best val accuracy {result.Summary.BestValAccuracy:P2} at epoch {result.Summary.BestEpoch}" +
                    (result.TestAccuracy is { } test ? $", test accuracy {test:P2}" : "")));
            }
            catch (UserInputException e)
            {
                Directory.CreateDirectory(runDir);
                AtomicFile.WriteAllText(failure, e.Message + "\n");
                progress?.Report(new ProgressUpdate("experiment", i + 1, selected.Count, $"{label}: failed: {e.Message}"));
            }
            catch (OperationCanceledException)
            {
                Report();
                throw;
            }
            Report();
        }
        progress?.Report(new ProgressUpdate("experiment", selected.Count, selected.Count));
        return Report();
    }

    /// <summary>The report's heading: the plan file's name without its folder, or the built-in plan's name.</summary>
    public static string PlanTitle(ExperimentPlan plan) => Path.GetFileName(plan.Source);

    /// <summary>The run's messages carry its name, so a log of many runs reads on its own.</summary>
    private static IProgress<ProgressUpdate>? Prefixed(IProgress<ProgressUpdate>? progress, string runName) =>
        progress is null ? null : new PrefixedProgress(progress, $"[{runName}] ");

    private sealed class PrefixedProgress(IProgress<ProgressUpdate> inner, string prefix) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) =>
            inner.Report(value.Message is null ? value : value with { Message = prefix + value.Message });
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using Changwen.Bundle;
using Changwen.Diagnosis;
using Changwen.Evaluation;
using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Experiments;

/// <summary>Where a run of an experiment stands, as its run folder shows.</summary>
public enum RunStatus
{
    /// <summary>No run folder, or nothing in it yet.</summary>
    NotStarted,
    /// <summary>Started (options.json written) but not finished: killed, cancelled or still running.</summary>
    Unfinished,
    /// <summary>Trained, evaluated and drawn (summary.json says finished and curve.png exists).</summary>
    Finished,
    /// <summary>Stopped by a <see cref="UserInputException"/>; its message is in <see cref="ExperimentReport.FailureFile"/>.</summary>
    Failed,
}

/// <summary>One row of the report: what a run's folder holds.</summary>
/// <param name="Summary">summary.json, when the run has written one.</param>
/// <param name="Epochs">The run's finished epochs from metrics.jsonl.</param>
/// <param name="Epoch1TrainLoss">The mean training loss of epoch 1 (of its steps so far when epoch 1 did not finish).</param>
/// <param name="NumClasses">C, from labels.json; null before the run got that far.</param>
/// <param name="Stalled">See <see cref="ExperimentReport.IsStalled"/>; null when there is no loss or no C yet.</param>
/// <param name="LeftChanceAtEpoch">For a stalled run: the first later epoch whose training loss fell below the stall
/// threshold (a slow start rather than a stall that lasts); null when none did.</param>
/// <param name="Error">The failure message of a failed run.</param>
/// <param name="Watched">What the training watcher finds in the run's recorded metrics (<see cref="RunDiagnosis.Explain"/>,
/// the findings made during training only); null before the run recorded any.</param>
public sealed record RunRow(
    string Name, IReadOnlyList<PlanSetting> Overrides, RunStatus Status, TrainingSummary? Summary,
    IReadOnlyList<EpochPoint> Epochs, double? Epoch1TrainLoss, int? NumClasses, bool? Stalled, int? LeftChanceAtEpoch, string? Error,
    IReadOnlyList<Finding>? Watched = null);

/// <summary>
/// The experiment's report: <c>report.md</c> and <c>report.html</c> (a table of the runs, the stall rule, and the
/// overlaid curves <c>loss.png</c> and <c>val-accuracy.png</c>), built from the run folders alone, so it can be
/// rewritten at any moment and a partial experiment still has one. Every file is written atomically.
/// </summary>
public static class ExperimentReport
{
    public const string MarkdownFile = "report.md";
    public const string HtmlFile = "report.html";
    public const string LossPng = "loss.png";
    public const string ValAccuracyPng = "val-accuracy.png";
    /// <summary>In a failed run's folder: the one-line message of its <see cref="UserInputException"/>.</summary>
    public const string FailureFile = "failed.txt";
    /// <summary>The runs' folders are <c>OUT/runs/NAME</c>.</summary>
    public const string RunsFolder = "runs";

    /// <summary>A run stalled when its epoch-1 training loss is at least this fraction of ln C.</summary>
    public const double StallFraction = 0.95;

    /// <summary>
    /// Stalled: after a whole epoch the mean training loss is still within 5% of ln C, the cross-entropy of a uniform
    /// guess over C classes (<paramref name="epoch1TrainLoss"/> ≥ 0.95 ln C).
    /// </summary>
    public static bool IsStalled(double epoch1TrainLoss, int numClasses) =>
        numClasses > 1 && epoch1TrainLoss >= StallFraction * Math.Log(numClasses);

    public static string RunDir(string outDir, string runName) => Path.Combine(outDir, RunsFolder, runName);

    /// <summary>Reads what each run's folder holds, in plan order.</summary>
    public static IReadOnlyList<RunRow> Collect(string outDir, IReadOnlyList<PlannedRun> runs) =>
        runs.Select(run => CollectRun(RunDir(outDir, run.Name), run)).ToList();

    /// <summary>The status of one run folder (see <see cref="RunStatus"/>).</summary>
    public static RunStatus StatusOf(string runDir)
    {
        if (File.Exists(Path.Combine(runDir, FailureFile))) return RunStatus.Failed;
        if (!File.Exists(Path.Combine(runDir, RunFolder.OptionsFile))) return RunStatus.NotStarted;
        return RunFolder.IsFinished(runDir) ? RunStatus.Finished : RunStatus.Unfinished;
    }

    private static RunRow CollectRun(string runDir, PlannedRun run)
    {
        var status = StatusOf(runDir);
        var error = status == RunStatus.Failed ? File.ReadAllText(Path.Combine(runDir, FailureFile)).Trim() : null;
        var summary = ReadSummary(runDir);
        int? numClasses = null;
        if (File.Exists(Path.Combine(runDir, RunFolder.LabelsFile)))
        {
            try { numClasses = RunFolder.ReadLabels(runDir).Count; }
            catch (UserInputException) { } // a damaged labels.json only costs the row its stall verdict
        }
        var epochs = new List<EpochPoint>();
        double? epoch1Loss = null;
        var metricsPath = Path.Combine(runDir, RunFolder.MetricsFile);
        if (File.Exists(metricsPath))
        {
            try
            {
                var (steps, epochRecords) = MetricsLog.Read(metricsPath);
                epochs.AddRange(epochRecords.Select(e => new EpochPoint(e.Epoch, e.TrainLoss, e.ValLoss, e.TrainAccuracy, e.ValAccuracy)));
                var firstEpoch = epochRecords.FirstOrDefault(e => e.Epoch == 1);
                var firstSteps = steps.Where(s => s.Epoch == 1).ToList();
                epoch1Loss = firstEpoch?.TrainLoss ?? (firstSteps.Count > 0 ? firstSteps.Average(s => (double)s.Loss) : null);
            }
            catch (UserInputException) { } // damaged mid-file: the row shows no curve; the run itself reports the damage on resume
        }
        bool? stalled = epoch1Loss is { } loss && numClasses is { } c ? IsStalled(loss, c) : null;
        var leftChance = stalled == true ? epochs.FirstOrDefault(e => !IsStalled(e.TrainLoss, numClasses!.Value))?.Epoch : null;
        return new RunRow(run.Name, run.Overrides, status, summary, epochs, epoch1Loss, numClasses, stalled, leftChance, error,
            numClasses >= 2 && File.Exists(metricsPath) ? Watch(runDir) : null);
    }

    /// <summary>
    /// The findings the watcher makes replaying the run, so the report names a stall the ln C rule cannot see (a model
    /// stuck at the class frequencies) and its cause; the checks made before training are left to diagnosis.json.
    /// </summary>
    private static IReadOnlyList<Finding>? Watch(string runDir)
    {
        try { return RunDiagnosis.Explain(runDir).Where(f => f.Epoch is not null || f.Step is not null).ToList(); }
        catch (UserInputException) { return null; } // a damaged file costs the row its findings; the run reports it on resume
    }

    private static TrainingSummary? ReadSummary(string runDir)
    {
        var path = Path.Combine(runDir, RunFolder.SummaryFile);
        if (!File.Exists(path)) return null;
        try { return Json.Deserialize<TrainingSummary>(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException) { return null; } // written atomically, so only a hand-edited file gets here
    }

    /// <summary>
    /// Writes report.md, report.html and (when any run has a finished epoch) loss.png and val-accuracy.png into
    /// <paramref name="outDir"/>, from the run folders. Returns the rows.
    /// </summary>
    /// <param name="title">The plan's name, shown as the heading.</param>
    /// <param name="defaults">The settings every run shares, shown above the table.</param>
    public static IReadOnlyList<RunRow> Write(string outDir, string title, IReadOnlyList<PlanSetting> defaults,
        IReadOnlyList<PlannedRun> runs, string? dataPath = null)
    {
        var rows = Collect(outDir, runs);
        var numClasses = rows.Select(r => r.NumClasses).FirstOrDefault(c => c is not null);
        var curves = rows.Where(r => r.Epochs.Count > 0).Select(r => (r.Name, (IReadOnlyList<EpochPoint>)r.Epochs)).ToList();
        var drawn = numClasses is { } c && curves.Count > 0;
        if (drawn)
        {
            TrainingCurvePlot.SaveOverlay(Path.Combine(outDir, LossPng), curves, numClasses!.Value, OverlayMetric.TrainLoss);
            TrainingCurvePlot.SaveOverlay(Path.Combine(outDir, ValAccuracyPng), curves, numClasses.Value, OverlayMetric.ValAccuracy);
        }
        var header = new ReportHeader(title, dataPath, defaults, rows, numClasses, drawn);
        AtomicFile.WriteAllText(Path.Combine(outDir, MarkdownFile), ToMarkdown(header));
        AtomicFile.WriteAllText(Path.Combine(outDir, HtmlFile), ToHtml(header));
        return rows;
    }

    private sealed record ReportHeader(string Title, string? DataPath, IReadOnlyList<PlanSetting> Defaults,
        IReadOnlyList<RunRow> Rows, int? NumClasses, bool Drawn);

    private static readonly string[] Columns =
        ["run", "options", "status", "best val accuracy", "best epoch", "test accuracy", "test macro-F1", "final train loss", "stalled", "watcher", "s / epoch"];

    /// <summary>The columns after the options that hold text, not numbers: the stalled verdict and the watcher's findings.</summary>
    private static readonly int[] TextColumns = [Array.IndexOf(Columns, "stalled"), Array.IndexOf(Columns, "watcher")];

    /// <summary>The cells of one row, as plain text (each format escapes them its own way).</summary>
    private static string[] Cells(RunRow r)
    {
        var s = r.Summary;
        var hasEpochs = s is { EpochsRun: > 0 };
        return
        [
            r.Name,
            r.Overrides.Count == 0 ? "—" : string.Join(" ", r.Overrides),
            r.Status switch
            {
                RunStatus.Finished => "finished",
                RunStatus.Unfinished => s is null ? "started" : $"unfinished ({s.EpochsRun}/{s.EpochsPlanned} epochs)",
                RunStatus.Failed => $"failed: {r.Error}",
                _ => "not started",
            },
            hasEpochs ? Percent(s!.BestValAccuracy) : "—",
            hasEpochs ? s!.BestEpoch.ToString(CultureInfo.InvariantCulture) : "—",
            s?.TestAccuracy is { } test ? Percent(test) : "—",
            s?.TestMacroF1 is { } macroF1 ? macroF1.ToString("F4", CultureInfo.InvariantCulture) : "—",
            hasEpochs ? s!.FinalTrainLoss.ToString("F3", CultureInfo.InvariantCulture) : "—",
            r.Stalled switch { true => r.LeftChanceAtEpoch is { } n ? $"yes, until epoch {n}" : "yes", false => "no", null => "—" },
            r.Watched switch
            {
                null => "—",
                [] => "none",
                var found => string.Join("; ", found.Select(f => f.Step is { } step ? $"{f.Code} (step {step})" : $"{f.Code} (epoch {f.Epoch})")),
            },
            hasEpochs ? s!.SecondsPerEpoch.ToString("F1", CultureInfo.InvariantCulture) : "—",
        ];
    }

    private static string Percent(double value) => (value * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";

    private static string Counts(IReadOnlyList<RunRow> rows)
    {
        var parts = new[] { RunStatus.Finished, RunStatus.Unfinished, RunStatus.Failed, RunStatus.NotStarted }
            .Select(status => (status, count: rows.Count(r => r.Status == status)))
            .Where(x => x.count > 0)
            .Select(x => $"{x.count} {x.status switch { RunStatus.NotStarted => "not started", var other => other.ToString().ToLowerInvariant() }}");
        return $"{rows.Count} runs: {string.Join(", ", parts)}.";
    }

    private static string StallRule(int? numClasses) =>
        "Stalled: yes when the mean training loss of epoch 1 (of its steps so far, for a run stopped inside epoch 1) is at least " +
        $"{StallFraction:0.##} × ln C" +
        (numClasses is { } c ? $" = {StallFraction * Math.Log(c):F3} (C = {c} classes, ln C = {Math.Log(c):F3})" : "") +
        ", i.e. after a whole epoch the loss is still within 5 % of that of a uniform guess; \"until epoch N\" names the first " +
        "later epoch whose mean training loss fell below that line (a slow start rather than a lasting stall). " +
        "With unbalanced classes a model that only learned the class frequencies sits below ln C: the watcher column names it " +
        "(plateau), with the other findings the training watcher makes replaying the run (changwen diagnose RUN_DIR explains each).";

    private static string ToMarkdown(ReportHeader h)
    {
        static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
        var md = new StringBuilder();
        md.Append("# Experiment: ").Append(h.Title).Append("\n\n");
        if (h.DataPath is not null) md.Append("Data: `").Append(h.DataPath).Append("`. ");
        md.Append(Counts(h.Rows)).Append(" Updated ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(" UTC.\n\n");
        if (h.Defaults.Count > 0) md.Append("Every run: `").Append(string.Join(" ", h.Defaults)).Append("` unless its options say otherwise.\n\n");
        md.Append("| ").Append(string.Join(" | ", Columns)).Append(" |\n");
        md.Append('|').Append(string.Concat(Columns.Select(_ => "---|"))).Append('\n');
        foreach (var row in h.Rows)
        {
            var cells = Cells(row);
            cells[1] = cells[1] == "—" ? cells[1] : $"`{cells[1]}`";
            md.Append("| ").Append(string.Join(" | ", cells.Select(Cell))).Append(" |\n");
        }
        md.Append('\n').Append(StallRule(h.NumClasses)).Append("\n\n");
        if (h.Drawn)
        {
            md.Append($"![Training loss by run, ln C dashed]({LossPng})\n\n");
            md.Append($"![Validation accuracy by run, 1/C dashed]({ValAccuracyPng})\n");
        }
        else md.Append("No run has finished an epoch yet: no curves.\n");
        return md.ToString();
    }

    private static string ToHtml(ReportHeader h)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>Experiment: ").Append(E(h.Title)).Append("</title>\n")
            .Append("""
                    <style>
                    body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2em; color: #222; }
                    table { border-collapse: collapse; font-size: 0.9em; }
                    th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
                    th { background: #f3f3f3; }
                    td.num { text-align: right; font-variant-numeric: tabular-nums; }
                    tr.failed td { background: #fdecea; }
                    tr.stalled td { background: #fff8e1; }
                    code { font-size: 0.95em; }
                    img { max-width: 100%; display: block; margin: 1em 0; }
                    p.rule { color: #555; max-width: 60em; }
                    </style>
                    </head>
                    <body>

                    """);
        html.Append("<h1>Experiment: ").Append(E(h.Title)).Append("</h1>\n<p>");
        if (h.DataPath is not null) html.Append("Data: <code>").Append(E(h.DataPath)).Append("</code>. ");
        html.Append(E(Counts(h.Rows))).Append(" Updated ")
            .Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append(" UTC.</p>\n");
        if (h.Defaults.Count > 0)
            html.Append("<p>Every run: <code>").Append(E(string.Join(" ", h.Defaults))).Append("</code> unless its options say otherwise.</p>\n");
        html.Append("<table>\n<tr>").Append(string.Concat(Columns.Select(c => $"<th>{E(c)}</th>"))).Append("</tr>\n");
        foreach (var row in h.Rows)
        {
            var cells = Cells(row);
            var rowClass = row.Status == RunStatus.Failed ? " class=\"failed\"" : row.Stalled == true ? " class=\"stalled\"" : "";
            html.Append("<tr").Append(rowClass).Append('>');
            for (var i = 0; i < cells.Length; i++)
            {
                var text = E(cells[i]);
                html.Append(i switch
                {
                    1 when cells[i] != "—" => $"<td><code>{text}</code></td>",
                    >= 3 when !TextColumns.Contains(i) => $"<td class=\"num\">{text}</td>",
                    _ => $"<td>{text}</td>",
                });
            }
            html.Append("</tr>\n");
        }
        html.Append("</table>\n<p class=\"rule\">").Append(E(StallRule(h.NumClasses))).Append("</p>\n");
        if (h.Drawn)
        {
            html.Append($"<img src=\"{LossPng}\" alt=\"Training loss by run, ln C dashed\">\n");
            html.Append($"<img src=\"{ValAccuracyPng}\" alt=\"Validation accuracy by run, 1/C dashed\">\n");
        }
        else html.Append("<p>No run has finished an epoch yet: no curves.</p>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }
}

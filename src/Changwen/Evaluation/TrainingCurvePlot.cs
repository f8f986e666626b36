using ScottPlot;

namespace Changwen.Evaluation;

/// <summary>
/// Scores at the end of one epoch (<paramref name="Epoch"/> counts from 1). A value that was not measured, e.g. the
/// validation loss of a run without a validation split, is <see cref="double.NaN"/> and is left out of the plots.
/// </summary>
public sealed record EpochPoint(int Epoch, double TrainLoss, double ValLoss, double TrainAccuracy, double ValAccuracy);

/// <summary>
/// The training loss of one optimiser step; <paramref name="EpochFraction"/> is how many epochs were complete
/// (1.5 = half-way through epoch 2), so steps line up with <see cref="EpochPoint.Epoch"/> on the same axis.
/// </summary>
public sealed record StepPoint(double EpochFraction, double Loss);

/// <summary>Which curve <see cref="TrainingCurvePlot.SaveOverlay"/> draws for each run.</summary>
public enum OverlayMetric { TrainLoss, ValLoss, TrainAccuracy, ValAccuracy }

/// <summary>Loss and accuracy against epochs, as PNGs, with the chance level of a C-class problem marked.</summary>
public static class TrainingCurvePlot
{
    private const int Width = 1000;
    private const int PanelHeight = 420;

    /// <summary>
    /// Two panels in one PNG: loss (per-step loss faint, per-epoch train and validation loss, and a line at ln C,
    /// the cross-entropy of a uniform guess) above accuracy (train and validation, with 1/C marked).
    /// </summary>
    public static void Save(string pngPath, IReadOnlyList<EpochPoint> epochs, IReadOnlyList<StepPoint>? steps, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var font = PlotStyle.FontFor(["chance (ln C)", "loss", "accuracy"]);

        var loss = new Plot();
        if (steps is { Count: > 0 })
        {
            var stepLine = AddLine(loss, steps.Select(s => (s.EpochFraction, s.Loss)), "train loss (per step)", Colors.Gray.WithAlpha(0.35));
            if (stepLine is not null) stepLine.MarkerSize = 0;
        }
        AddLine(loss, epochs.Select(e => ((double)e.Epoch, e.TrainLoss)), "train loss", Colors.C0);
        AddLine(loss, epochs.Select(e => ((double)e.Epoch, e.ValLoss)), "validation loss", Colors.C1);
        AddChanceLine(loss, Math.Log(numClasses), "chance (ln C)");
        loss.Axes.Title.Label.Text = $"Loss ({numClasses} {(numClasses == 1 ? "class" : "classes")}: ln C = {Math.Log(numClasses):F3})";
        loss.Axes.Left.Label.Text = "cross-entropy loss";
        loss.Axes.Bottom.Label.Text = "epoch";
        loss.Axes.Margins(bottom: 0);

        var accuracy = new Plot();
        AddLine(accuracy, epochs.Select(e => ((double)e.Epoch, e.TrainAccuracy)), "train accuracy", Colors.C0);
        AddLine(accuracy, epochs.Select(e => ((double)e.Epoch, e.ValAccuracy)), "validation accuracy", Colors.C1);
        AddChanceLine(accuracy, 1.0 / numClasses, "chance (1/C)");
        accuracy.Axes.Title.Label.Text = "Accuracy";
        accuracy.Axes.Left.Label.Text = "accuracy";
        accuracy.Axes.Bottom.Label.Text = "epoch";
        accuracy.Axes.SetLimitsY(0, 1.05);

        foreach (var plot in new[] { loss, accuracy })
        {
            plot.ShowLegend(Edge.Right); // outside the data area: it can never hide a point
            UseEpochTicks(plot, epochs.Select(e => e.Epoch), steps?.Select(s => s.EpochFraction));
            PlotStyle.UseFont(plot, font);
        }

        var figure = new Multiplot();
        figure.Reset(loss); // a new Multiplot starts with one empty plot of its own
        figure.AddPlot(accuracy);
        PlotStyle.SavePng(figure, pngPath, Width, 2 * PanelHeight);
    }

    /// <summary>
    /// One chart with one curve per run (its train loss, validation accuracy... as <paramref name="metric"/> says),
    /// for comparing experiments. Loss charts mark ln C, accuracy charts 1/C.
    /// </summary>
    public static void SaveOverlay(string pngPath, IReadOnlyList<(string RunName, IReadOnlyList<EpochPoint> Epochs)> runs,
        int numClasses, OverlayMetric metric)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var (metricName, isLoss) = metric switch
        {
            OverlayMetric.TrainLoss => ("train loss", true),
            OverlayMetric.ValLoss => ("validation loss", true),
            OverlayMetric.TrainAccuracy => ("train accuracy", false),
            OverlayMetric.ValAccuracy => ("validation accuracy", false),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
        };
        double Value(EpochPoint e) => metric switch
        {
            OverlayMetric.TrainLoss => e.TrainLoss,
            OverlayMetric.ValLoss => e.ValLoss,
            OverlayMetric.TrainAccuracy => e.TrainAccuracy,
            _ => e.ValAccuracy,
        };

        var title = $"{char.ToUpperInvariant(metricName[0])}{metricName[1..]} by run";
        var plot = new Plot();
        var font = PlotStyle.FontFor(runs.Select(r => r.RunName).Append(title).Append("chance (ln C)"));
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < runs.Count; i++)
            AddLine(plot, runs[i].Epochs.Select(e => ((double)e.Epoch, Value(e))), runs[i].RunName, palette.GetColor(i));

        if (isLoss) AddChanceLine(plot, Math.Log(numClasses), "chance (ln C)");
        else
        {
            AddChanceLine(plot, 1.0 / numClasses, "chance (1/C)");
            plot.Axes.SetLimitsY(0, 1.05);
        }
        plot.Axes.Title.Label.Text = title;
        plot.Axes.Left.Label.Text = metricName;
        plot.Axes.Bottom.Label.Text = "epoch";
        UseEpochTicks(plot, runs.SelectMany(r => r.Epochs.Select(e => e.Epoch)), null);
        plot.ShowLegend(Edge.Right);
        PlotStyle.UseFont(plot, font);
        PlotStyle.SavePng(plot, pngPath, Width, 560);
    }

    /// <summary>Adds the finite points as a line with markers; returns null when there is none to draw.</summary>
    private static ScottPlot.Plottables.Scatter? AddLine(Plot plot, IEnumerable<(double X, double Y)> points, string legend, Color color)
    {
        var finite = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        if (finite.Length == 0) return null;
        var line = plot.Add.Scatter(finite.Select(p => p.X).ToArray(), finite.Select(p => p.Y).ToArray(), color);
        line.LegendText = legend;
        line.LineWidth = 2;
        line.MarkerSize = finite.Length == 1 ? 8 : 5; // a single epoch has no line, only its marker
        return line;
    }

    private static void AddChanceLine(Plot plot, double y, string legend)
    {
        var line = plot.Add.HorizontalLine(y, width: 1.5f, color: Colors.Red.WithAlpha(0.7), pattern: LinePattern.Dashed);
        line.LegendText = legend;
    }

    /// <summary>Whole-number epoch ticks, and x limits that show every point with half an epoch to spare.</summary>
    private static void UseEpochTicks(Plot plot, IEnumerable<int> epochs, IEnumerable<double>? stepFractions)
    {
        var epochList = epochs.ToList();
        var xs = epochList.Select(e => (double)e).Concat(stepFractions ?? []).Where(double.IsFinite).ToList();
        var left = xs.Count == 0 ? 0 : Math.Min(0, xs.Min());
        var right = xs.Count == 0 ? 1 : Math.Max(1, xs.Max());
        plot.Axes.SetLimitsX(left - 0.05 * (right - left), right + 0.05 * (right - left));
        var last = (int)Math.Ceiling(right);
        var every = Math.Max(1, (int)Math.Ceiling(last / 15.0)); // at most ~15 labels
        var ticks = Enumerable.Range(0, last + 1).Where(e => e % every == 0).Select(e => (double)e).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, ticks.Select(t => t.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }
}

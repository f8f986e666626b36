using System.Globalization;
using ScottPlot;

namespace Changwen.Evaluation;

/// <summary>The confusion matrix as a PNG heatmap: gold classes down the side, predicted classes along the bottom.</summary>
public static class ConfusionMatrixPlot
{
    /// <summary>
    /// Writes the heatmap to <paramref name="pngPath"/> (atomically). Cells are coloured by the share of their gold
    /// row, so small classes stay readable next to large ones, and show the raw count.
    /// </summary>
    public static void Save(ClassificationReport report, string pngPath)
    {
        ArgumentNullException.ThrowIfNull(report);
        var labels = report.Labels;
        var classCount = labels.Count;
        var matrix = report.ConfusionMatrix;
        var title = $"Confusion matrix (accuracy {report.Accuracy:F3}, macro F1 {report.MacroAverage.F1:F3}, n = {report.Total})";

        var rowShare = new double[classCount, classCount];
        for (var gold = 0; gold < classCount; gold++)
        {
            var support = report.PerClass[gold].Support;
            for (var predicted = 0; predicted < classCount; predicted++)
                rowShare[gold, predicted] = support == 0 ? 0 : (double)matrix[gold][predicted] / support;
        }

        var plot = new Plot();
        var font = PlotStyle.FontFor(labels.Append(title));

        var heatmap = plot.Add.Heatmap(rowShare);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues().Reversed(); // ScottPlot's Blues runs dark to light
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        // Cell (gold g, predicted p) is centred on x = p, y = C-1-g: row 0 of the array is drawn at the top.
        heatmap.Rectangle = new CoordinateRect(-0.5, classCount - 0.5, -0.5, classCount - 0.5);
        var colorBar = plot.Add.ColorBar(heatmap);

        for (var gold = 0; gold < classCount; gold++)
            for (var predicted = 0; predicted < classCount; predicted++)
            {
                var text = plot.Add.Text(matrix[gold][predicted].ToString(CultureInfo.InvariantCulture), predicted, classCount - 1 - gold);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = classCount > 10 ? 12 : 16;
                text.LabelFontName = font;
                text.LabelFontColor = rowShare[gold, predicted] > 0.5 ? Colors.White : Colors.Black;
            }

        var positions = Enumerable.Range(0, classCount).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels.ToArray());
        plot.Axes.Left.SetTicks(positions, labels.Reverse().ToArray());
        plot.Axes.SetLimits(-0.5, classCount - 0.5, -0.5, classCount - 0.5);
        plot.Axes.Bottom.Label.Text = "predicted (colour: share of the gold row)";
        plot.Axes.Left.Label.Text = "gold";
        plot.Axes.Title.Label.Text = title;
        plot.Grid.IsVisible = false;
        PlotStyle.UseFont(plot, font);
        colorBar.Axis.TickLabelStyle.FontName = font;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Left.TickLabelStyle.FontSize = 14;

        // Cells are wide enough for the longest class name, written upright under its column.
        var cellHeight = classCount > 10 ? 48 : 64;
        using var tickFont = new SkiaSharp.SKFont(Fonts.GetTypeface(font, bold: false, italic: false), 14);
        var longestName = labels.Max(label => tickFont.MeasureText(label));
        var cellWidth = (int)Math.Ceiling(Math.Max(cellHeight, longestName + 16));
        var leftAxisWidth = (int)Math.Ceiling(longestName) + 60;
        var width = Math.Max(480, cellWidth * classCount + leftAxisWidth + 160);
        var height = Math.Max(360, cellHeight * classCount + 150);
        PlotStyle.SavePng(plot, pngPath, width, height);
    }
}

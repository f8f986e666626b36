using System.Buffers.Binary;
using Changwen.Evaluation;
using SkiaSharp;

namespace Changwen.Tests.Evaluation;

public class PlotTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Checks the PNG signature and returns the image size from the IHDR chunk.</summary>
    private static (int Width, int Height) AssertPng(string path)
    {
        Assert.True(File.Exists(path), path + " was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} has only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        var size = (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        Assert.True(size.Item1 > 100 && size.Item2 > 100, $"unexpected size {size}");
        // Written atomically: no temporary file is left beside it.
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
        return size;
    }

    private static IReadOnlyList<EpochPoint> Epochs(int count, double numClassesLog) =>
        Enumerable.Range(1, count)
            .Select(e => new EpochPoint(e, numClassesLog / (e + 0.5), numClassesLog / (e + 0.2), 1 - 0.5 / e, 1 - 0.6 / e))
            .ToList();

    [Fact]
    public void Confusion_matrix_plot_writes_a_png_with_chinese_class_names()
    {
        using var dir = new TempDir();
        var report = ClassificationReport.Compute([0, 0, 0, 1, 1, 2, 2, 2, 3], [0, 0, 3, 0, 1, 2, 2, 0, 3], ["体育", "财经", "科技", "娱乐"]);
        var path = Path.Combine(dir.Path, "plots", "confusion.png");
        ConfusionMatrixPlot.Save(report, path);
        AssertPng(path);
    }

    [Fact]
    public void Confusion_matrix_plot_handles_one_class_and_a_class_with_no_examples()
    {
        using var dir = new TempDir();
        var single = ClassificationReport.Compute([0, 0], [0, 0], ["体育"]);
        ConfusionMatrixPlot.Save(single, Path.Combine(dir.Path, "single.png"));
        AssertPng(Path.Combine(dir.Path, "single.png"));

        var empty = ClassificationReport.Compute([], [], ["体育", "a rather long English class name"]);
        ConfusionMatrixPlot.Save(empty, Path.Combine(dir.Path, "empty.png"));
        AssertPng(Path.Combine(dir.Path, "empty.png"));
    }

    [Fact]
    public void Confusion_matrix_plot_grows_with_the_number_of_classes()
    {
        using var dir = new TempDir();
        string[] classes = ["体育", "财经", "房产", "家居", "教育", "科技", "时尚", "时政", "游戏", "娱乐", "彩票", "股票", "社会", "星座"];
        var random = new Random(7);
        var gold = Enumerable.Range(0, 700).Select(i => i % classes.Length).ToArray();
        var predicted = gold.Select(g => random.NextDouble() < 0.8 ? g : random.Next(classes.Length)).ToArray();
        ConfusionMatrixPlot.Save(ClassificationReport.Compute(gold, predicted, classes), Path.Combine(dir.Path, "large.png"));
        ConfusionMatrixPlot.Save(ClassificationReport.Compute([0, 1], [0, 1], classes[..2]), Path.Combine(dir.Path, "small.png"));

        var large = AssertPng(Path.Combine(dir.Path, "large.png"));
        var small = AssertPng(Path.Combine(dir.Path, "small.png"));
        Assert.True(large.Width > small.Width && large.Height > small.Height, $"{large} should be larger than {small}");
    }

    [Fact]
    public void Confusion_matrix_plot_replaces_an_existing_file()
    {
        using var dir = new TempDir();
        var path = dir.File("replaced.png", "old contents");
        ConfusionMatrixPlot.Save(ClassificationReport.Compute([0, 1], [1, 1], ["体育", "财经"]), path);
        AssertPng(path);
    }

    [Fact]
    public void Training_curves_write_loss_and_accuracy_panels()
    {
        using var dir = new TempDir();
        var epochs = Epochs(6, Math.Log(4));
        var steps = Enumerable.Range(1, 60).Select(i => new StepPoint(i / 10.0, Math.Log(4) * 10 / (i + 10) + 0.05 * Math.Sin(i))).ToList();
        var path = Path.Combine(dir.Path, "curves.png");
        TrainingCurvePlot.Save(path, epochs, steps, numClasses: 4);
        var (width, height) = AssertPng(path);
        Assert.True(height > width / 2, "two stacked panels are expected to make a tall image");
    }

    [Fact]
    public void Training_curves_handle_one_epoch_one_class_no_steps_and_missing_validation()
    {
        using var dir = new TempDir();
        var oneEpoch = new[] { new EpochPoint(1, 0.9, double.NaN, 0.6, double.NaN) };
        TrainingCurvePlot.Save(Path.Combine(dir.Path, "one-epoch.png"), oneEpoch, steps: null, numClasses: 1);
        AssertPng(Path.Combine(dir.Path, "one-epoch.png"));

        TrainingCurvePlot.Save(Path.Combine(dir.Path, "nothing.png"), [], [], numClasses: 2);
        AssertPng(Path.Combine(dir.Path, "nothing.png"));
    }

    [Fact]
    public void Training_curves_reject_a_class_count_below_one()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingCurvePlot.Save(Path.Combine(dir.Path, "x.png"), Epochs(2, 1), null, 0));
    }

    [Theory]
    [InlineData(OverlayMetric.TrainLoss)]
    [InlineData(OverlayMetric.ValAccuracy)]
    public void Overlay_draws_several_runs_in_one_chart(OverlayMetric metric)
    {
        using var dir = new TempDir();
        var runs = new List<(string, IReadOnlyList<EpochPoint>)>
        {
            ("cnn 卷积", Epochs(5, Math.Log(10))),
            ("bilstm", Epochs(3, Math.Log(10) * 1.2)),
            ("single epoch", Epochs(1, Math.Log(10))),
        };
        var path = Path.Combine(dir.Path, $"overlay-{metric}.png");
        TrainingCurvePlot.SaveOverlay(path, runs, numClasses: 10, metric);
        AssertPng(path);
    }

    [Fact]
    public void Chooses_a_font_that_draws_chinese_when_one_is_installed()
    {
        const string text = "体育财经 Confusion matrix";
        var font = PlotStyle.FontFor([text]);
        Assert.False(string.IsNullOrEmpty(font));

        var cjkFamilies = SKFontManager.Default.FontFamilies.Where(family =>
        {
            using var typeface = SKTypeface.FromFamilyName(family);
            return typeface is not null && typeface.ContainsGlyphs("体育财经");
        }).ToList();
        if (cjkFamilies.Count > 0)
        {
            Assert.True(PlotStyle.CanDraw(font, text), $"{font} was chosen although {cjkFamilies[0]} can draw Chinese");
            Assert.DoesNotContain("Serif", font); // a sans face is preferred for chart labels
        }
        // Without a CJK font (Debian: fonts-noto-cjk) any font will do: labels show boxes, the PNG is still written.
    }
}

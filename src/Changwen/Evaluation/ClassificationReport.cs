using System.Globalization;
using System.Text;
using Changwen.IO;

namespace Changwen.Evaluation;

/// <summary>Precision, recall and F1 of one class; <see cref="Support"/> is how many gold examples it has.</summary>
public sealed record ClassScores(string Label, double Precision, double Recall, double F1, int Support);

/// <summary>An averaged row of the report (micro, macro or weighted); <see cref="Support"/> is the total count.</summary>
public sealed record AverageScores(double Precision, double Recall, double F1, int Support);

/// <summary>
/// The JSON shape of a <see cref="ClassificationReport"/> (written with <see cref="Json"/>, so the names are snake_case:
/// <c>accuracy</c>, <c>macro_f1</c>, <c>per_class</c>, <c>confusion_matrix</c>...).
/// </summary>
public sealed record ClassificationReportJson(
    IReadOnlyList<string> Labels,
    int Support,
    double Accuracy,
    double MicroF1,
    double MacroPrecision,
    double MacroRecall,
    double MacroF1,
    double WeightedPrecision,
    double WeightedRecall,
    double WeightedF1,
    IReadOnlyList<ClassScores> PerClass,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix);

/// <summary>
/// Single-label classification scores with scikit-learn's <c>classification_report</c> definitions: a score whose
/// denominator is zero is 0; every class is listed, even one with no gold examples; the micro average equals accuracy;
/// the confusion matrix has gold classes as rows and predicted classes as columns.
/// </summary>
public sealed class ClassificationReport
{
    private readonly int[][] _matrix;

    public IReadOnlyList<string> Labels { get; }
    public IReadOnlyList<ClassScores> PerClass { get; }
    public double Accuracy { get; }
    public AverageScores MicroAverage { get; }
    public AverageScores MacroAverage { get; }
    public AverageScores WeightedAverage { get; }

    /// <summary>Number of examples scored.</summary>
    public int Total { get; }

    /// <summary>Counts: <c>ConfusionMatrix[gold][predicted]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix => _matrix.Select(row => (IReadOnlyList<int>)Array.AsReadOnly(row)).ToArray();

    private ClassificationReport(int[][] matrix, IReadOnlyList<string> labels)
    {
        _matrix = matrix;
        Labels = labels.ToArray();
        var classCount = labels.Count;

        var support = new int[classCount];
        var predictedCount = new int[classCount];
        var correct = 0;
        for (var gold = 0; gold < classCount; gold++)
            for (var predicted = 0; predicted < classCount; predicted++)
            {
                var n = matrix[gold][predicted];
                support[gold] += n;
                predictedCount[predicted] += n;
                if (gold == predicted) correct += n;
            }
        Total = support.Sum();

        var perClass = new ClassScores[classCount];
        for (var c = 0; c < classCount; c++)
        {
            var truePositives = matrix[c][c];
            perClass[c] = new ClassScores(
                labels[c],
                Precision: Ratio(truePositives, predictedCount[c]),
                Recall: Ratio(truePositives, support[c]),
                // 2TP / (2TP + FP + FN), as sklearn computes it; equals the harmonic mean of P and R when defined.
                F1: Ratio(2.0 * truePositives, support[c] + predictedCount[c]),
                Support: support[c]);
        }
        PerClass = perClass;

        Accuracy = Ratio(correct, Total);
        // Every example has exactly one gold and one predicted class among Labels, so micro P = micro R = accuracy.
        MicroAverage = new AverageScores(Accuracy, Accuracy, Accuracy, Total);
        MacroAverage = new AverageScores(
            perClass.Average(s => s.Precision), perClass.Average(s => s.Recall), perClass.Average(s => s.F1), Total);
        WeightedAverage = new AverageScores(
            Ratio(perClass.Sum(s => s.Precision * s.Support), Total),
            Ratio(perClass.Sum(s => s.Recall * s.Support), Total),
            Ratio(perClass.Sum(s => s.F1 * s.Support), Total),
            Total);
    }

    private static double Ratio(double numerator, double denominator) => denominator == 0 ? 0 : numerator / denominator;

    /// <summary>Scores predictions against gold labels; both hold class indexes into <paramref name="classes"/>.</summary>
    public static ClassificationReport Compute(IReadOnlyList<int> gold, IReadOnlyList<int> predicted, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classes);
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"{gold.Count} gold labels but {predicted.Count} predictions", nameof(predicted));
        if (classes.Count == 0) throw new ArgumentException("at least one class is needed", nameof(classes));

        var matrix = NewMatrix(classes.Count);
        for (var i = 0; i < gold.Count; i++)
        {
            CheckClassIndex(gold[i], classes.Count, nameof(gold), i);
            CheckClassIndex(predicted[i], classes.Count, nameof(predicted), i);
            matrix[gold[i]][predicted[i]]++;
        }
        return new ClassificationReport(matrix, classes);
    }

    /// <summary>Rebuilds the report from counts (<c>matrix[gold][predicted]</c>), e.g. one read back from JSON.</summary>
    public static ClassificationReport FromConfusionMatrix(IReadOnlyList<IReadOnlyList<int>> matrix, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count == 0) throw new ArgumentException("at least one class is needed", nameof(classes));
        if (matrix.Count != classes.Count || matrix.Any(row => row.Count != classes.Count))
            throw new ArgumentException($"the confusion matrix must be {classes.Count}x{classes.Count}, one row and column per class", nameof(matrix));
        if (matrix.Any(row => row.Any(n => n < 0)))
            throw new ArgumentException("confusion matrix counts cannot be negative", nameof(matrix));
        return new ClassificationReport(matrix.Select(row => row.ToArray()).ToArray(), classes);
    }

    private static int[][] NewMatrix(int classCount) =>
        Enumerable.Range(0, classCount).Select(_ => new int[classCount]).ToArray();

    private static void CheckClassIndex(int label, int classCount, string name, int position)
    {
        if (label < 0 || label >= classCount)
            throw new ArgumentOutOfRangeException(name, label, $"{name}[{position}] = {label} is not a class index in [0, {classCount})");
    }

    /// <summary>
    /// The table of scikit-learn's <c>classification_report</c>: one row per class, then accuracy, macro avg and
    /// weighted avg. Class names are right-aligned by display width, so Chinese names line up.
    /// </summary>
    public string ToText(int digits = 2)
    {
        const int column = 9;
        string[] headers = ["precision", "recall", "f1-score", "support"];
        var nameWidth = Math.Max(Labels.Max(TextWidth.Of), Math.Max(TextWidth.Of("weighted avg"), digits));
        string Number(double value) => value.ToString("F" + digits, CultureInfo.InvariantCulture).PadLeft(column);
        string Row(string name, params string[] cells) => TextWidth.PadLeft(name, nameWidth) + " " + string.Concat(cells.Select(c => " " + c)) + "\n";

        var text = new StringBuilder();
        text.Append(Row("", headers.Select(h => h.PadLeft(column)).ToArray()).TrimEnd('\n')).Append("\n\n");
        foreach (var s in PerClass)
            text.Append(Row(s.Label, Number(s.Precision), Number(s.Recall), Number(s.F1), s.Support.ToString(CultureInfo.InvariantCulture).PadLeft(column)));
        text.Append('\n');
        var blank = new string(' ', column);
        text.Append(Row("accuracy", blank, blank, Number(Accuracy), Total.ToString(CultureInfo.InvariantCulture).PadLeft(column)));
        foreach (var (name, avg) in new[] { ("macro avg", MacroAverage), ("weighted avg", WeightedAverage) })
            text.Append(Row(name, Number(avg.Precision), Number(avg.Recall), Number(avg.F1), avg.Support.ToString(CultureInfo.InvariantCulture).PadLeft(column)));
        return text.ToString();
    }

    /// <summary>The confusion matrix as an aligned table: gold classes down the side, predicted classes across the top.</summary>
    public string ConfusionMatrixText()
    {
        const string corner = "gold \\ predicted";
        var nameWidth = Math.Max(TextWidth.Of(corner), Labels.Max(TextWidth.Of));
        var maxCountWidth = _matrix.SelectMany(row => row).Select(n => n.ToString(CultureInfo.InvariantCulture).Length).DefaultIfEmpty(1).Max();
        var cellWidth = Math.Max(maxCountWidth, Labels.Max(TextWidth.Of));

        var text = new StringBuilder();
        text.Append(TextWidth.PadRight(corner, nameWidth));
        foreach (var label in Labels) text.Append("  ").Append(TextWidth.PadLeft(label, cellWidth));
        text.Append('\n');
        for (var gold = 0; gold < Labels.Count; gold++)
        {
            text.Append(TextWidth.PadRight(Labels[gold], nameWidth));
            foreach (var n in _matrix[gold]) text.Append("  ").Append(n.ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
            text.Append('\n');
        }
        return text.ToString();
    }

    public ClassificationReportJson ToJsonRecord() => new(
        Labels, Total, Accuracy, MicroAverage.F1,
        MacroAverage.Precision, MacroAverage.Recall, MacroAverage.F1,
        WeightedAverage.Precision, WeightedAverage.Recall, WeightedAverage.F1,
        PerClass, ConfusionMatrix);

    public string ToJson() => Json.Serialize(ToJsonRecord());

    /// <summary>Reads a report written by <see cref="ToJson"/>; the scores are recomputed from its confusion matrix.</summary>
    public static ClassificationReport FromJson(string json)
    {
        var record = Json.Deserialize<ClassificationReportJson>(json);
        return FromConfusionMatrix(record.ConfusionMatrix, record.Labels);
    }
}

using System.Text.Json;
using Changwen.Evaluation;

namespace Changwen.Tests.Evaluation;

public class ClassificationReportTests
{
    // 财经 is never predicted; 娱乐 is predicted once but has no gold example.
    private static readonly string[] Classes = ["体育", "财经", "科技", "娱乐"];
    private static readonly int[] Gold = [0, 0, 0, 1, 1, 2, 2, 2];
    private static readonly int[] Predicted = [0, 0, 3, 0, 0, 2, 2, 0];

    // Confusion matrix (rows gold, columns predicted):
    //        体育 财经 科技 娱乐
    //  体育    2    0    0    1     support 3
    //  财经    2    0    0    0     support 2
    //  科技    1    0    2    0     support 3
    //  娱乐    0    0    0    0     support 0
    //  predicted: 5    0    2    1     correct 2 + 0 + 2 = 4 of 8
    private static ClassificationReport Example() => ClassificationReport.Compute(Gold, Predicted, Classes);

    [Fact]
    public void Counts_the_confusion_matrix_with_gold_rows_and_predicted_columns()
    {
        var matrix = Example().ConfusionMatrix;
        Assert.Equal([2, 0, 0, 1], matrix[0]);
        Assert.Equal([2, 0, 0, 0], matrix[1]);
        Assert.Equal([1, 0, 2, 0], matrix[2]);
        Assert.Equal([0, 0, 0, 0], matrix[3]);
    }

    [Fact]
    public void Computes_per_class_scores_with_zero_for_undefined_ratios()
    {
        var report = Example();
        var (sports, finance, tech, entertainment) = (report.PerClass[0], report.PerClass[1], report.PerClass[2], report.PerClass[3]);

        // 体育: TP 2, predicted 5, support 3 -> P 2/5, R 2/3, F1 2*2/(5+3).
        Assert.Equal("体育", sports.Label);
        Assert.Equal(0.4, sports.Precision, 12);
        Assert.Equal(2.0 / 3, sports.Recall, 12);
        Assert.Equal(0.5, sports.F1, 12);
        Assert.Equal(3, sports.Support);

        // 财经 is never predicted: precision 0/0 -> 0, recall 0/2.
        Assert.Equal((0.0, 0.0, 0.0, 2), (finance.Precision, finance.Recall, finance.F1, finance.Support));

        // 科技: TP 2, predicted 2, support 3 -> P 1, R 2/3, F1 4/5.
        Assert.Equal(1.0, tech.Precision, 12);
        Assert.Equal(2.0 / 3, tech.Recall, 12);
        Assert.Equal(0.8, tech.F1, 12);

        // 娱乐 has no gold example but is still listed: precision 0/1, recall 0/0 -> 0.
        Assert.Equal("娱乐", entertainment.Label);
        Assert.Equal((0.0, 0.0, 0.0, 0), (entertainment.Precision, entertainment.Recall, entertainment.F1, entertainment.Support));
    }

    [Fact]
    public void Computes_accuracy_and_micro_macro_weighted_averages()
    {
        var report = Example();
        Assert.Equal(8, report.Total);
        Assert.Equal(0.5, report.Accuracy, 12);

        // Single-label: micro precision = recall = F1 = accuracy.
        Assert.Equal(0.5, report.MicroAverage.Precision, 12);
        Assert.Equal(0.5, report.MicroAverage.Recall, 12);
        Assert.Equal(0.5, report.MicroAverage.F1, 12);

        // Macro: plain mean over all four classes, the zero-support one included.
        Assert.Equal((0.4 + 0 + 1 + 0) / 4, report.MacroAverage.Precision, 12);
        Assert.Equal((2.0 / 3 + 0 + 2.0 / 3 + 0) / 4, report.MacroAverage.Recall, 12);
        Assert.Equal((0.5 + 0 + 0.8 + 0) / 4, report.MacroAverage.F1, 12);

        // Weighted by support 3, 2, 3, 0 of 8.
        Assert.Equal((3 * 0.4 + 2 * 0 + 3 * 1.0) / 8, report.WeightedAverage.Precision, 12);
        Assert.Equal((3 * 2.0 / 3 + 0 + 3 * 2.0 / 3) / 8, report.WeightedAverage.Recall, 12);
        Assert.Equal((3 * 0.5 + 0 + 3 * 0.8) / 8, report.WeightedAverage.F1, 12);
        Assert.Equal(8, report.WeightedAverage.Support);
    }

    [Fact]
    public void Scores_an_empty_evaluation_as_zero_instead_of_dividing_by_zero()
    {
        var report = ClassificationReport.Compute([], [], ["体育", "财经"]);
        Assert.Equal(0, report.Total);
        Assert.Equal(0, report.Accuracy);
        Assert.All(report.PerClass, s => Assert.Equal((0.0, 0.0, 0.0, 0), (s.Precision, s.Recall, s.F1, s.Support)));
        Assert.Equal(0, report.WeightedAverage.F1);
    }

    [Fact]
    public void Rejects_mismatched_lengths_and_out_of_range_class_indexes()
    {
        Assert.Throws<ArgumentException>(() => ClassificationReport.Compute([0, 1], [0], Classes));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationReport.Compute([0, 1], [0, 4], Classes));
        Assert.Contains("predicted[1] = 4", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationReport.Compute([-1], [0], Classes));
        Assert.Throws<ArgumentException>(() => ClassificationReport.Compute([], [], []));
    }

    [Fact]
    public void Text_has_the_layout_of_sklearn_classification_report()
    {
        var report = ClassificationReport.Compute(Gold, Predicted, ["sports", "finance", "tech", "ent"]);
        // The widest row heading is "weighted avg" (12 columns); numbers are right-aligned in 9 columns.
        var expected =
            "              precision    recall  f1-score   support\n" +
            "\n" +
            "      sports       0.40      0.67      0.50         3\n" +
            "     finance       0.00      0.00      0.00         2\n" +
            "        tech       1.00      0.67      0.80         3\n" +
            "         ent       0.00      0.00      0.00         0\n" +
            "\n" +
            "    accuracy                           0.50         8\n" +
            "   macro avg       0.35      0.33      0.33         8\n" +
            "weighted avg       0.53      0.50      0.49         8\n";
        Assert.Equal(expected, report.ToText());
    }

    [Fact]
    public void Text_aligns_chinese_class_names_by_display_width()
    {
        string[] classes = ["体育", "国际新闻报道专题", "科技", "sports"];
        var text = ClassificationReport.Compute(Gold, Predicted, classes).ToText(digits: 3);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4 + 1 + 3, lines.Length); // header, 4 classes, accuracy, macro, weighted
        // The longest name is 8 CJK characters = 16 columns; every row then holds 1 + 4 x 10 more columns.
        Assert.All(lines, line => Assert.Equal(16 + 41, TextWidth.Of(line)));
        Assert.Equal(new string(' ', 16 - 4) + "体育      0.400     0.667     0.500         3", lines[1]);
        Assert.StartsWith("国际新闻报道专题 ", lines[2]);
        Assert.StartsWith("          sports ", lines[4]);
        Assert.Equal("accuracy", lines[5].Trim().Split(' ')[0]);
        Assert.StartsWith("    weighted avg ", lines[7]);
    }

    [Fact]
    public void Display_width_counts_cjk_characters_as_two_columns()
    {
        Assert.Equal(4, TextWidth.Of("体育"));
        Assert.Equal(6, TextWidth.Of("ab体育"));
        Assert.Equal(4, TextWidth.Of("ＡＢ")); // full-width Latin
        Assert.Equal(0, TextWidth.Of(""));
        Assert.Equal("  体育", TextWidth.PadLeft("体育", 6));
        Assert.Equal("体育  ", TextWidth.PadRight("体育", 6));
    }

    [Fact]
    public void Confusion_matrix_text_names_classes_and_aligns_counts()
    {
        var text = Example().ConfusionMatrixText();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(5, lines.Length);
        Assert.StartsWith("gold \\ predicted", lines[0]);
        Assert.Equal(["体育", "财经", "科技", "娱乐"], lines[0]["gold \\ predicted".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["体育", "2", "0", "0", "1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["财经", "2", "0", "0", "0"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["科技", "1", "0", "2", "0"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["娱乐", "0", "0", "0", "0"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(lines, line => Assert.Equal(TextWidth.Of(lines[0]), TextWidth.Of(line)));
    }

    [Fact]
    public void Json_uses_snake_case_field_names_and_readable_chinese()
    {
        var json = Example().ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.Equal(0.5, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(0.5, root.GetProperty("micro_f1").GetDouble(), 12);
        Assert.Equal(0.325, root.GetProperty("macro_f1").GetDouble(), 12);
        Assert.Equal(0.4875, root.GetProperty("weighted_f1").GetDouble(), 12);
        Assert.Equal(8, root.GetProperty("support").GetInt32());
        Assert.Equal(["体育", "财经", "科技", "娱乐"], root.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));

        var sports = root.GetProperty("per_class")[0];
        Assert.Equal("体育", sports.GetProperty("label").GetString());
        Assert.Equal(0.4, sports.GetProperty("precision").GetDouble(), 12);
        Assert.Equal(2.0 / 3, sports.GetProperty("recall").GetDouble(), 12);
        Assert.Equal(0.5, sports.GetProperty("f1").GetDouble(), 12);
        Assert.Equal(3, sports.GetProperty("support").GetInt32());

        Assert.Equal([1, 0, 2, 0], root.GetProperty("confusion_matrix")[2].EnumerateArray().Select(e => e.GetInt32()));
        Assert.Contains("\"体育\"", json); // not \u4F53\u80B2
    }

    [Fact]
    public void Json_round_trips_to_the_same_scores()
    {
        var original = Example();
        var reread = ClassificationReport.FromJson(original.ToJson());
        Assert.Equal(original.Labels, reread.Labels);
        Assert.Equal(original.PerClass, reread.PerClass);
        Assert.Equal(original.MacroAverage, reread.MacroAverage);
        Assert.Equal(original.ToText(), reread.ToText());
    }

    [Fact]
    public void Rejects_a_confusion_matrix_that_does_not_match_the_classes()
    {
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromConfusionMatrix([[1, 0], [0, 1]], ["体育", "财经", "科技"]));
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromConfusionMatrix([[1, -1], [0, 1]], ["体育", "财经"]));
    }
}

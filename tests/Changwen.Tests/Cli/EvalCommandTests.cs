using System.CommandLine;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.Cli.Commands;
using Changwen.Runs;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Cli;

[Collection("torch")]
public sealed class EvalCommandTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private static (int Code, string Output, string Error) Eval(params string[] args)
    {
        var root = new RootCommand { EvalCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(["eval", .. args, "--threads", "1"]).Invoke(new InvocationConfiguration
        {
            Output = output, Error = error, EnableDefaultExceptionHandler = false,
        });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Eval_json_holds_accuracy_macro_f1_per_class_and_what_was_scored()
    {
        var (code, output, error) = Eval(run.RunDir, run.CorpusPath, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        using var classifier = TextClassifier.Load(run.RunDir);
        var expected = ModelEvaluator.Evaluate(classifier, run.CorpusPath).Report;
        Assert.Equal(expected.Accuracy, root.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(expected.MacroAverage.F1, root.GetProperty("macro_f1").GetDouble(), 12);
        Assert.Equal(3, root.GetProperty("per_class").GetArrayLength());
        Assert.Equal("体育", root.GetProperty("per_class")[0].GetProperty("label").GetString());
        Assert.Equal(run.TestDocuments.Count, root.GetProperty("documents").GetInt32());
        Assert.Equal("test", root.GetProperty("split_used").GetString());
        Assert.Equal(run.CorpusPath, root.GetProperty("data").GetString());
        Assert.Contains("体育", output); // Chinese unescaped
        var png = root.GetProperty("confusion_png").GetString()!;
        Assert.Equal(Path.Combine(run.RunDir, RunFolder.EvalConfusionPngFor(run.CorpusPath, "test")), png);
        Assert.True(new FileInfo(png).Length > 1000);
        Assert.Contains("evaluate:", error); // progress on standard error, not in the JSON
    }

    [Fact]
    public void Eval_text_shows_the_documents_scored_the_report_and_the_confusion_matrix()
    {
        var (code, output, _) = Eval(run.RunDir, run.CorpusPath, "--split", "val", "--batch-size", "2");

        Assert.Equal(0, code);
        Assert.Contains("val split of the training corpus", output);
        Assert.Contains("macro avg", output);
        Assert.Contains("weighted avg", output);
        Assert.Contains("gold \\ predicted", output);
        Assert.Contains(RunFolder.EvalConfusionPngFor(run.CorpusPath, "val"), output);
    }

    [Fact]
    public void Evaluations_of_other_splits_or_data_write_heatmaps_of_their_own()
    {
        // One file per data and split: an eval of the validation split must not replace the test split's heatmap, nor
        // either of them the training run's confusion.png.
        var val = RunFolder.EvalConfusionPngFor(run.CorpusPath, "val");
        var test = RunFolder.EvalConfusionPngFor(run.CorpusPath, "test");
        var elsewhere = RunFolder.EvalConfusionPngFor(Path.Combine(Path.GetTempPath(), "other", Path.GetFileName(run.CorpusPath)), "test");
        Assert.Equal(3, new[] { val, test, elsewhere }.Distinct().Count());
        Assert.DoesNotContain(RunFolder.ConfusionPng, new[] { val, test, elsewhere });
        Assert.StartsWith($"eval-confusion-{Path.GetFileName(Path.TrimEndingDirectorySeparator(run.CorpusPath))}-val-", val);

        Assert.Equal(0, Eval(run.RunDir, run.CorpusPath, "--split", "val").Code);
        Assert.Equal(0, Eval(run.RunDir, run.CorpusPath, "--split", "test").Code);
        Assert.True(File.Exists(Path.Combine(run.RunDir, val)));
        Assert.True(File.Exists(Path.Combine(run.RunDir, test)));
    }

    [Fact]
    public void Eval_refuses_a_missing_model_folder_as_a_user_error()
    {
        var missing = Path.Combine(run.Scratch("none"), "no-such-run");
        var error = Assert.Throws<UserInputException>(() => Eval(missing, run.CorpusPath));
        Assert.StartsWith(missing, error.Message);
    }
}

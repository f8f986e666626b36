using System.CommandLine;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.Cli.Commands;
using Changwen.Export;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Export;

/// <summary><c>--runtime onnx</c>: predict and eval score an exported folder through ONNX Runtime as libtorch scores the run.</summary>
[Collection("torch")]
public sealed class OnnxRuntimeTests(FastTextRunFixture run) : IClassFixture<FastTextRunFixture>
{
    private static readonly string[] Texts = ["球赛冠军进攻防守", "股市银行利率基金", "芯片手机网络软件", ""];

    private string Export()
    {
        var outDir = run.Scratch("export");
        OnnxExporter.Export(run.RunDir, outDir);
        return outDir;
    }

    [Fact]
    public void TextClassifier_from_an_export_predicts_the_labels_and_probabilities_of_the_run()
    {
        using var torch = TextClassifier.Load(run.RunDir);
        using var onnx = TextClassifier.LoadOnnx(Export(), threads: 1);

        Assert.False(onnx.UsesLibtorch);
        Assert.Equal(torch.Labels, onnx.Labels);
        var expected = torch.PredictProbabilities(Texts);
        var actual = onnx.PredictProbabilities(Texts, batchSize: 3);
        for (var i = 0; i < Texts.Length; i++)
        {
            for (var c = 0; c < expected[i].Length; c++) Assert.True(Math.Abs(expected[i][c] - actual[i][c]) <= 1e-4, $"text {i} class {c}");
            Assert.Equal(torch.Predict(Texts[i]).Label, onnx.Predict(Texts[i]).Label);
        }
    }

    [Fact]
    public void Prepared_texts_score_through_onnx_runtime_too()
    {
        using var torch = TextClassifier.Load(run.RunDir);
        using var onnx = TextClassifier.LoadOnnx(Export(), threads: 1);

        var expected = torch.Predict([torch.Prepare(Texts[..2]), torch.Prepare(Texts[2..])], topK: 2);
        var actual = onnx.Predict([onnx.Prepare(Texts[..2]), onnx.Prepare(Texts[2..])], topK: 2);
        Assert.Equal(expected.Select(p => p.Label), actual.Select(p => p.Label));
        for (var i = 0; i < Texts.Length; i++) Assert.True(Math.Abs(expected[i].Probability - actual[i].Probability) <= 1e-4, $"text {i}");
    }

    [Fact]
    public void Predict_with_runtime_onnx_gives_the_labels_of_libtorch_also_when_streaming()
    {
        var export = Export();
        var (code, torchLines) = Invoke(PredictCommand.Create(), ["predict", run.RunDir, .. Texts[..3], "--json", "--threads", "1"]);
        Assert.Equal(0, code);
        var (onnxCode, onnxLines) = Invoke(PredictCommand.Create(), ["predict", export, .. Texts[..3], "--json", "--threads", "1", "--runtime", "onnx"]);
        Assert.Equal(0, onnxCode);
        Assert.Equal(torchLines.Select(Label), onnxLines.Select(Label));

        var input = Path.Combine(run.Scratch("stream"), "in.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(input)!);
        File.WriteAllLines(input, Texts[..3]);
        var outPath = Path.Combine(Path.GetDirectoryName(input)!, "out.jsonl");
        var (streamCode, _) = Invoke(PredictCommand.Create(), ["predict", export, "--file", input, "--out", outPath, "--runtime", "onnx", "--threads", "1"]);
        Assert.Equal(0, streamCode);
        Assert.Equal(torchLines.Select(Label), File.ReadAllLines(outPath).Select(Label));
    }

    [Fact]
    public void Eval_with_runtime_onnx_scores_the_corpus_as_libtorch_does()
    {
        var corpus = Path.Combine(run.Scratch("eval"), "news.tsv");
        Directory.CreateDirectory(Path.GetDirectoryName(corpus)!);
        File.WriteAllText(corpus, TinyRun.Tsv(perClass: 5, seed: 9));
        var (torchCode, torch) = Invoke(EvalCommand.Create(), ["eval", run.RunDir, corpus, "--json", "--threads", "1"]);
        var (onnxCode, onnx) = Invoke(EvalCommand.Create(), ["eval", Export(), corpus, "--json", "--threads", "1", "--runtime", "onnx"]);
        Assert.Equal((0, 0), (torchCode, onnxCode));
        double Accuracy(string[] lines) => JsonDocument.Parse(string.Join("\n", lines)).RootElement.GetProperty("accuracy").GetDouble();
        Assert.Equal(Accuracy(torch), Accuracy(onnx));
    }

    [Fact]
    public void An_unknown_runtime_and_a_run_folder_given_to_the_onnx_runtime_are_refused_with_one_line()
    {
        var unknown = Assert.Throws<UserInputException>(() => Invoke(PredictCommand.Create(), ["predict", run.RunDir, "球赛", "--runtime", "tensorrt"]));
        Assert.Contains("--runtime onnx", unknown.Message);
        var notExport = Assert.Throws<UserInputException>(() => Invoke(PredictCommand.Create(), ["predict", run.RunDir, "球赛", "--runtime", "onnx"]));
        Assert.Contains("manifest.json", notExport.Message);
        Assert.DoesNotContain('\n', notExport.Message);
    }

    private static string Label(string jsonLine) => JsonDocument.Parse(jsonLine).RootElement.GetProperty("label").GetString()!;

    private static (int Code, string[] Lines) Invoke(Command command, string[] args)
    {
        var root = new RootCommand { command };
        var output = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter(), EnableDefaultExceptionHandler = false });
        return (code, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

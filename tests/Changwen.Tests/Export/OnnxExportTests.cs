using System.CommandLine;
using Changwen.Bundle;
using Changwen.Cli.Commands;
using Changwen.Data;
using Changwen.Export;
using Changwen.IO;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Export;

/// <summary>A fastText run trained on a tiny invented corpus, shared by the export tests.</summary>
public sealed class FastTextRunFixture : IDisposable
{
    private readonly TempDir dir = new();

    public FastTextRunFixture()
    {
        var corpus = dir.File("corpus/news.tsv", TinyRun.Tsv(perClass: 20, seed: 1));
        RunDir = Path.Combine(dir.Path, "run");
        var options = TinyRun.Options(ModelKind.Fasttext);
        options = options with { Model = options.Model with { NgramBuckets = 500 } };
        (Test, Probabilities, _) = TinyRun.Train(corpus, RunDir, options);
    }

    public string RunDir { get; }
    public EncodedDataset Test { get; }
    public float[][] Probabilities { get; }

    public string Scratch(string name) => Path.Combine(dir.Path, "scratch", name + "-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => dir.Dispose();
}

[Collection("torch")]
public sealed class OnnxExportTests(FastTextRunFixture run) : IClassFixture<FastTextRunFixture>
{
    [Fact]
    public void Export_writes_a_folder_that_onnx_runtime_scores_as_libtorch_did()
    {
        var outDir = run.Scratch("export");
        var manifest = OnnxExporter.Export(run.RunDir, outDir);

        foreach (var file in new[] { "model.onnx", "manifest.json", "vocab.tsv", "labels.json" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        Assert.Equal("fasttext", manifest.ModelKind);
        Assert.Equal(17, manifest.Opset);
        Assert.Equal(500, manifest.Bigrams!.Buckets);
        Assert.Equal(["token_ids", "lengths", "bigram_buckets"], manifest.Inputs.Select(i => i.Name));
        Assert.Equal(("char", 24, "head", "post"), (manifest.Text.Tokenizer, manifest.Text.MaxLen, manifest.Text.Truncate, manifest.Text.Pad));
        Assert.Equal(File.ReadAllText(Path.Combine(run.RunDir, "vocab.tsv")), File.ReadAllText(Path.Combine(outDir, "vocab.tsv")));

        using var scorer = OnnxScorer.Load(outDir, threads: 1);
        Assert.Equal(RunFolder.ReadLabels(run.RunDir), scorer.Labels);
        var test = run.Test;
        var probabilities = scorer.Score(test.Ids.Select(i => (long)i).ToArray(), test.Lengths.Select(l => (long)l).ToArray(), test.Count, test.MaxLen);
        Assert.Equal(test.Count, probabilities.Length);
        for (var r = 0; r < test.Count; r++)
        {
            for (var c = 0; c < probabilities[r].Length; c++)
                Assert.True(Math.Abs(probabilities[r][c] - run.Probabilities[r][c]) <= 1e-4, $"row {r} class {c}");
            Assert.Equal(Array.IndexOf(run.Probabilities[r], run.Probabilities[r].Max()), Array.IndexOf(probabilities[r], probabilities[r].Max()));
        }
    }

    [Fact]
    public void Export_never_overwrites_a_model()
    {
        var outDir = run.Scratch("twice");
        OnnxExporter.Export(run.RunDir, outDir);
        var before = File.ReadAllBytes(Path.Combine(outDir, "model.onnx"));

        var e = Assert.Throws<UserInputException>(() => OnnxExporter.Export(run.RunDir, outDir));
        Assert.Contains("model.onnx", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outDir, "model.onnx")));
    }

    [Fact]
    public void Export_carries_the_user_dictionary_and_stop_words_and_names_them_in_the_manifest()
    {
        var runCopy = TinyRun.Copy(run.RunDir, run.Scratch("run-with-dictionary"));
        var options = RunFolder.ReadOptions(runCopy);
        RunFolder.WriteOptions(runCopy, options with { Tokenizer = options.Tokenizer with { UserDictionary = "user-dict.txt", StopWords = "stop-words.txt" } });
        File.WriteAllText(Path.Combine(runCopy, "user-dict.txt"), "球赛冠军 10 n\n");
        File.WriteAllText(Path.Combine(runCopy, "stop-words.txt"), "的\n了\n");
        var outDir = run.Scratch("export-dictionary");

        var manifest = OnnxExporter.Export(runCopy, outDir);

        Assert.Equal(("user-dict.txt", "stop-words.txt"), (manifest.Text.UserDictionary, manifest.Text.StopWords));
        Assert.Equal("球赛冠军 10 n\n", File.ReadAllText(Path.Combine(outDir, "user-dict.txt")));
        Assert.Equal("的\n了\n", File.ReadAllText(Path.Combine(outDir, "stop-words.txt")));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public void A_damaged_onnx_file_is_refused_with_one_line_naming_it(string damage)
    {
        var outDir = run.Scratch(damage);
        OnnxExporter.Export(run.RunDir, outDir);
        var path = Path.Combine(outDir, "model.onnx");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage == "truncated" ? bytes[..(bytes.Length / 2)] : System.Text.Encoding.UTF8.GetBytes("not a model\n"));

        var e = Assert.Throws<UserInputException>(() => OnnxScorer.Load(outDir));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_onnx_file_that_does_not_match_its_labels_is_refused()
    {
        var outDir = run.Scratch("mismatch");
        OnnxExporter.Export(run.RunDir, outDir);
        File.WriteAllText(Path.Combine(outDir, "labels.json"), Json.Serialize(new[] { "a", "b", "c", "d" }));

        var e = Assert.Throws<UserInputException>(() => OnnxScorer.Load(outDir));
        Assert.Contains("4 classes", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_model_kind_without_a_graph_is_refused_with_one_line()
    {
        var e = Assert.Throws<UserInputException>(() => OnnxExporter.RefuseUnsupported((ModelKind)99, "linear"));
        Assert.StartsWith("export: a linear model cannot be exported to ONNX yet", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_export_command_writes_the_folder_and_refuses_other_formats()
    {
        var outDir = run.Scratch("cli");
        var (code, output) = Invoke("export", run.RunDir, "--format", "onnx", "--out", outDir);
        Assert.Equal(0, code);
        Assert.Contains("model.onnx", output);
        Assert.True(File.Exists(Path.Combine(outDir, "manifest.json")));

        var e = Assert.Throws<UserInputException>(() => Invoke("export", run.RunDir, "--format", "tflite", "--out", run.Scratch("tflite")));
        Assert.Contains("--format onnx", e.Message);
    }

    private static (int Code, string Output) Invoke(params string[] args)
    {
        var root = new RootCommand { ExportCommand.Create() };
        var output = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter(), EnableDefaultExceptionHandler = false });
        return (code, output.ToString());
    }
}

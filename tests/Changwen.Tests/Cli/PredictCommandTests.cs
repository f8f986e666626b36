using System.CommandLine;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.Cli.Commands;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Cli;

[Collection("torch")]
public sealed class PredictCommandTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private static (int Code, string[] Lines) Predict(TextReader? input, params string[] args)
    {
        var (code, lines, _) = PredictWithErrors(input, args);
        return (code, lines);
    }

    private static (int Code, string[] Lines, string[] Errors) PredictWithErrors(TextReader? input, params string[] args)
    {
        var root = new RootCommand { PredictCommand.Create(input ?? new StringReader("")) };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(["predict", .. args, "--threads", "1"]).Invoke(new InvocationConfiguration
        {
            Output = output, Error = error, EnableDefaultExceptionHandler = false,
        });
        return (code, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Predict_json_gives_one_line_per_text_with_the_label_and_top_k_probabilities()
    {
        var (code, lines) = Predict(null, run.RunDir, "球赛冠军进攻防守", "股市银行利率", "--json", "--top-k", "2");

        Assert.Equal(0, code);
        Assert.Equal(2, lines.Length);
        using var classifier = TextClassifier.Load(run.RunDir);
        var expected = classifier.PredictBatch(["球赛冠军进攻防守", "股市银行利率"], topK: 2);
        for (var i = 0; i < 2; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var probabilities = json.RootElement.GetProperty("probabilities").EnumerateObject().ToArray();
            Assert.Equal(expected[i].Label, json.RootElement.GetProperty("label").GetString());
            Assert.Equal(expected[i].Top.Select(t => t.Label), probabilities.Select(p => p.Name));
            Assert.Equal(expected[i].Top.Select(t => t.Probability), probabilities.Select(p => p.Value.GetSingle()));
            Assert.Equal(2, json.RootElement.EnumerateObject().Count());
        }
        Assert.Contains($"\"label\":\"{expected[0].Label}\"", lines[0]); // Chinese unescaped
    }

    [Fact]
    public void Predict_reads_one_text_per_line_from_standard_input()
    {
        var texts = new[] { "球赛冠军进攻防守", "", "芯片手机网络软件", "股市银行利率投资" };
        var (code, lines) = Predict(new StringReader(string.Join('\n', texts) + "\n"), run.RunDir, "--batch-size", "3");

        Assert.Equal(0, code);
        using var classifier = TextClassifier.Load(run.RunDir);
        Assert.Equal(classifier.PredictBatch(texts).Select(p => $"{p.Label}\t{p.Probability:F4}"), lines);
    }

    [Fact]
    public void Predict_reads_a_file_and_prints_top_k_as_label_colon_probability()
    {
        var file = Path.Combine(run.Scratch("predict-file"), "texts.txt");
        File.WriteAllText(file, "球赛冠军\n股市基金\n");

        var (code, lines) = Predict(null, run.RunDir, "--file", file, "--top-k", "3");

        Assert.Equal(0, code);
        Assert.Equal(2, lines.Length);
        using var classifier = TextClassifier.Load(run.RunDir);
        var first = classifier.Predict("球赛冠军", topK: 3);
        Assert.Equal(string.Join(' ', first.Top.Select(t => $"{t.Label}:{t.Probability:F4}")), lines[0]);
        Assert.Equal(3, lines[1].Split(' ').Length);
    }

    [Fact]
    public void Predict_refuses_a_missing_file_and_a_bad_top_k()
    {
        var missing = Path.Combine(run.Scratch("predict-missing"), "nothing.txt");
        Assert.StartsWith(missing, Assert.Throws<UserInputException>(() => Predict(null, run.RunDir, "--file", missing)).Message);
        Assert.Contains("--top-k", Assert.Throws<UserInputException>(() => Predict(null, run.RunDir, "x", "--top-k", "0")).Message);
    }

    [Fact]
    public void Predict_out_streams_a_jsonl_file_in_order_and_warns_of_a_bad_line_with_its_number()
    {
        var dir = run.Scratch("predict-out");
        var input = Path.Combine(dir, "texts.jsonl");
        File.WriteAllText(input, "{\"id\": \"a\", \"text\": \"球赛冠军进攻防守\"}\n{\"id\": \"b\"}\n{\"id\": \"c\", \"text\": \"股市银行利率投资\"}\n");
        var output = Path.Combine(dir, "labels.jsonl");

        var (code, lines, errors) = PredictWithErrors(null, run.RunDir, "--file", input, "--out", output, "--top-k", "2");

        Assert.Equal(0, code);
        var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["a", "b", "c"], records.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal("体育", records[0].GetProperty("label").GetString());
        Assert.Equal(2, records[2].GetProperty("probabilities").EnumerateObject().Count());
        Assert.Equal(2, records[1].GetProperty("line").GetInt32());
        Assert.Equal($"changwen: warning: {input}:2: ", errors.Single()[..($"changwen: warning: {input}:2: ".Length)]);
        Assert.Contains("3 lines scored", lines[^1]);
        Assert.Contains("(1 failed)", lines[^1]);
    }

    [Fact]
    public void Predict_out_reads_plain_text_lines_from_standard_input()
    {
        var output = Path.Combine(run.Scratch("predict-out-stdin"), "labels.jsonl");
        var texts = new[] { "球赛冠军进攻防守", "芯片手机网络软件" };

        var (code, _) = Predict(new StringReader(string.Join('\n', texts)), run.RunDir, "--out", output);

        Assert.Equal(0, code);
        using var classifier = TextClassifier.Load(run.RunDir);
        Assert.Equal(classifier.PredictBatch(texts).Select(p => p.Label),
            File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetString()));
        Assert.Contains("--out", Assert.Throws<UserInputException>(() => Predict(null, run.RunDir, "x", "--out", output)).Message);
        Assert.Contains("--format", Assert.Throws<UserInputException>(() => Predict(null, run.RunDir, "x", "--format", "text")).Message);
    }
}

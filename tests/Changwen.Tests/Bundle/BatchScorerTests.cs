using System.Text;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.Tests.Training;

namespace Changwen.Tests.Bundle;

[Collection("torch")]
public sealed class BatchScorerTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private static string[] Documents(int count, int seed)
    {
        var random = new Random(seed);
        var labels = TinyRun.ClassCharacters.Keys.ToArray();
        return Enumerable.Range(0, count).Select(i => TinyRun.Document(labels[i % labels.Length], random)).ToArray();
    }

    private static JsonElement[] ReadRecords(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    [Fact]
    public void Jsonl_output_follows_input_order_across_chunks_and_echoes_ids()
    {
        var dir = run.Scratch("order");
        var texts = Documents(250, seed: 11);
        var input = Path.Combine(dir, "in.jsonl");
        // Ids of several JSON types, and a shuffled-looking order, so a reordering could not go unnoticed.
        File.WriteAllLines(input, texts.Select((t, i) => i % 2 == 0
            ? JsonSerializer.Serialize(new { id = 1000 - i, text = t })
            : JsonSerializer.Serialize(new { text = t, id = $"doc-{i}" }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })));
        var output = Path.Combine(dir, "out.jsonl");
        using var classifier = TextClassifier.Load(run.RunDir);
        var updates = new List<ProgressUpdate>();

        var summary = BatchScorer.ScoreFile(classifier, input, output, new ScoreOptions { ChunkSize = 7, ChunksInFlight = 3, BatchSize = 5, TopK = 2 },
            new SyncProgress(updates.Add));

        Assert.Equal(new ScoreSummary(250, 250, 0, summary.Elapsed), summary);
        var expected = classifier.PredictBatch(texts, topK: 2);
        var records = ReadRecords(output);
        Assert.Equal(250, records.Length);
        for (var i = 0; i < records.Length; i++)
        {
            if (i % 2 == 0) Assert.Equal(1000 - i, records[i].GetProperty("id").GetInt32());
            else Assert.Equal($"doc-{i}", records[i].GetProperty("id").GetString());
            Assert.Equal(expected[i].Label, records[i].GetProperty("label").GetString());
            Assert.Equal(expected[i].Top.Select(t => t.Label), records[i].GetProperty("probabilities").EnumerateObject().Select(p => p.Name));
        }
        Assert.Equal(new FileInfo(input).Length, updates[^1].Done);
        Assert.Equal(updates[^1].Total, updates[^1].Done);
        Assert.True(updates.Count >= 250 / 7, "one progress report per chunk");
        Assert.Equal(["in.jsonl", "out.jsonl"], Directory.GetFiles(dir).Select(Path.GetFileName).Order()); // no temporary file left
    }

    [Fact]
    public void A_bad_line_is_reported_with_its_number_and_the_rest_is_scored()
    {
        var dir = run.Scratch("bad-lines");
        var input = Path.Combine(dir, "in.jsonl");
        File.WriteAllText(input, string.Join('\n',
            """{"id": 1, "text": "球赛冠军进攻"}""",
            """{"id": 2, "text": "股市银行""",   // cut off
            """{"id": 3}""",                    // no text
            """{"id": 4, "text": 42}""",        // not a string
            "",                                 // empty
            """["球赛"]""",                     // not an object
            """{"id": 7, "text": "芯片手机网络"}""") + "\n");
        var output = Path.Combine(dir, "out.jsonl");
        using var classifier = TextClassifier.Load(run.RunDir);
        var failures = new List<LineFailure>();

        var summary = BatchScorer.ScoreFile(classifier, input, output, new ScoreOptions { ChunkSize = 3 }, onFailure: failures.Add);

        Assert.Equal((7L, 2L, 5L), (summary.Lines, summary.Scored, summary.Failed));
        Assert.Equal([2L, 3, 4, 5, 6], failures.Select(f => f.Line));
        Assert.All(failures, f => Assert.StartsWith($"{input}:{f.Line}: ", f.ToString()));
        Assert.Contains("not JSON", failures[0].Problem);
        Assert.Contains("no \"text\"", failures[1].Problem);
        var records = ReadRecords(output);
        Assert.Equal(7, records.Length);
        Assert.Equal("体育", records[0].GetProperty("label").GetString());
        Assert.Equal("科技", records[6].GetProperty("label").GetString());
        Assert.Equal(7, records[6].GetProperty("id").GetInt32());
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i + 1, records[i].GetProperty("line").GetInt64());
            Assert.False(records[i].TryGetProperty("label", out _));
            Assert.Equal(failures[i - 1].Problem, records[i].GetProperty("error").GetString());
        }
        Assert.Equal(3, records[2].GetProperty("id").GetInt32()); // the id of a failed line is still echoed
    }

    [Fact]
    public void Plain_text_lines_are_scored_one_text_per_line_by_extension_or_by_format()
    {
        var dir = run.Scratch("text");
        var texts = Documents(20, seed: 12).Append("").Append("{\"text\": \"not parsed in text mode\"}").ToArray();
        var txt = Path.Combine(dir, "in.txt");
        File.WriteAllLines(txt, texts);
        var jsonNamed = Path.Combine(dir, "in.jsonl");
        File.WriteAllLines(jsonNamed, texts);
        using var classifier = TextClassifier.Load(run.RunDir);
        var expected = classifier.PredictBatch(texts).Select(p => p.Label).ToArray();

        BatchScorer.ScoreFile(classifier, txt, Path.Combine(dir, "a.jsonl"), new ScoreOptions { ChunkSize = 4 });
        BatchScorer.ScoreFile(classifier, jsonNamed, Path.Combine(dir, "b.jsonl"), new ScoreOptions { Format = ScoreInputFormat.Text });

        Assert.Equal(expected, ReadRecords(Path.Combine(dir, "a.jsonl")).Select(r => r.GetProperty("label").GetString()));
        Assert.Equal(expected, ReadRecords(Path.Combine(dir, "b.jsonl")).Select(r => r.GetProperty("label").GetString()));
        Assert.False(ReadRecords(Path.Combine(dir, "a.jsonl"))[0].TryGetProperty("id", out _));
    }

    [Fact]
    public void A_cancelled_run_leaves_no_output_and_a_missing_input_names_the_file()
    {
        var dir = run.Scratch("cancel");
        var input = Path.Combine(dir, "in.txt");
        File.WriteAllLines(input, Documents(50, seed: 13));
        var output = Path.Combine(dir, "out.jsonl");
        using var classifier = TextClassifier.Load(run.RunDir);
        using var cancel = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => BatchScorer.ScoreFile(classifier, input, output, new ScoreOptions { ChunkSize = 5 },
            new SyncProgress(_ => cancel.Cancel()), cancel: cancel.Token));

        Assert.Equal(["in.txt"], Directory.GetFiles(dir).Select(Path.GetFileName));
        var missing = Path.Combine(dir, "none.jsonl");
        Assert.StartsWith(missing + ":", Assert.Throws<UserInputException>(() => BatchScorer.ScoreFile(classifier, missing, output, new ScoreOptions())).Message);
    }

    [Fact]
    public void Scoring_a_reader_writes_the_same_records_as_scoring_the_file()
    {
        var texts = Documents(30, seed: 14);
        var input = string.Join('\n', texts.Select(t => JsonSerializer.Serialize(new { text = t })));
        using var classifier = TextClassifier.Load(run.RunDir);
        var output = new StringWriter();

        var summary = BatchScorer.Score(classifier, new StringReader(input), "stdin.jsonl", output, new ScoreOptions { ChunkSize = 8 });

        Assert.Equal(30, summary.Scored);
        Assert.Equal(classifier.PredictBatch(texts).Select(p => p.Label),
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetString()));
    }
}

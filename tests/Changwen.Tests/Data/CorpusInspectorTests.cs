using System.CommandLine;
using System.Text.Json;
using Changwen.Cli.Commands;
using Changwen.Data;
using static Changwen.Tests.Data.CorpusFixtures;

namespace Changwen.Tests.Data;

public class CorpusInspectorTests
{
    [Fact]
    public void Reports_counts_per_class_and_split_and_label_order_of_a_folder_corpus()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 20, ["乙"] = 10, ["丙"] = 10 });
        var report = CorpusInspector.Inspect(Corpus.Open(dir.Path, Defaults));

        Assert.Equal(40, report.Documents);
        Assert.Equal(new Dictionary<string, int> { ["train"] = 32, ["val"] = 4, ["test"] = 4 }, report.Splits);
        Assert.Equal(["丙", "乙", "甲"], report.Classes);
        Assert.Equal(new ClassCounts("甲", 16, 2, 2, 20), report.PerClass.Single(c => c.Name == "甲"));
        Assert.True(report.OrderedByLabel);
        Assert.Equal(3, report.LabelRuns);
        Assert.Equal(0, report.SkippedEmpty);
    }

    [Fact]
    public void Shuffled_corpus_is_not_ordered_by_label()
    {
        using var dir = new TempDir();
        WriteLines(Path.Combine(dir.Path, "train.tsv"), TsvLines(["甲", "乙", "丙"], 20)); // interleaved labels
        WriteLines(Path.Combine(dir.Path, "test.tsv"), TsvLines(["甲", "乙", "丙"], 2, offset: 50));
        var report = CorpusInspector.Inspect(Corpus.Open(dir.Path, Defaults));
        Assert.False(report.OrderedByLabel);
        Assert.Equal(60, report.LabelRuns);
        Assert.True(report.HasOwnSplits);
        Assert.Equal(0, report.Splits["val"]);
    }

    [Fact]
    public void Reports_character_length_percentiles()
    {
        using var dir = new TempDir();
        // texts of 1..100 characters, including one character outside the BMP that counts once
        var lines = Enumerable.Range(1, 100).Select(n => (n % 2 == 0 ? "甲" : "乙") + "\t" + (n == 100 ? new string('字', 98) + "𠀀" : new string('字', n)));
        WriteLines(Path.Combine(dir.Path, "train.tsv"), lines);
        var report = CorpusInspector.Inspect(Corpus.Open(dir.Path, Defaults));
        Assert.Equal(new LengthPercentiles(50, 90, 95, 99, 99, 50.5 - 0.01), report.CharLength with { Mean = 50.5 - 0.01 });
        Assert.Equal(99, report.CharLength.Max);
    }

    [Fact]
    public void Reports_duplicates_within_and_across_splits()
    {
        using var dir = new TempDir();
        string Line(string l, int i) => $"{l}\t{DocumentText(l, i)}";
        WriteLines(Path.Combine(dir.Path, "train.tsv"), [Line("甲", 1), Line("甲", 2), Line("甲", 1), Line("乙", 3), $"乙\t{DocumentText("甲", 2)}"]);
        WriteLines(Path.Combine(dir.Path, "val.tsv"), [Line("甲", 1), Line("乙", 8)]);
        WriteLines(Path.Combine(dir.Path, "test.tsv"), [Line("乙", 3), Line("乙", 8), Line("甲", 9), Line("甲", 9)]);
        var d = CorpusInspector.Inspect(Corpus.Open(dir.Path, Defaults)).Duplicates;

        Assert.Equal((2, 0, 1), (d.WithinTrain, d.WithinVal, d.WithinTest)); // 甲1 again; 甲2 again (as 乙); 甲9 twice in test
        Assert.Equal((1, 1, 1), (d.ValInTrain, d.TestInTrain, d.TestInVal));
        Assert.Equal(1, d.ConflictingLabels);
        Assert.Contains("train.tsv:3 duplicates train.tsv:1", d.Examples);
    }

    [Fact]
    public void Reports_skipped_empty_documents()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 10, ["乙"] = 10 });
        File.WriteAllText(Path.Combine(dir.Path, "甲", "0004.txt"), "\n \n");
        var report = CorpusInspector.Inspect(Corpus.Open(dir.Path, Defaults));
        Assert.Equal(1, report.SkippedEmpty);
        Assert.Equal(19, report.Documents);
    }

    [Fact]
    public void Inspect_command_prints_one_json_object()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["体育"] = 10, ["财经"] = 10 }, Gb18030);
        var (code, output, _) = RunInspect(dir.Path, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(20, root.GetProperty("documents").GetInt32());
        Assert.Equal(["体育", "财经"], root.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(16, root.GetProperty("splits").GetProperty("train").GetInt32());
        Assert.Equal(2, root.GetProperty("splits").GetProperty("val").GetInt32());
        Assert.Equal(2, root.GetProperty("splits").GetProperty("test").GetInt32());
        Assert.True(root.GetProperty("ordered_by_label").GetBoolean());
        Assert.Equal(2, root.GetProperty("per_class").GetArrayLength());
        Assert.True(root.GetProperty("char_length").GetProperty("p50").GetInt32() > 20);
        Assert.Equal(0, root.GetProperty("duplicates").GetProperty("within_train").GetInt32());
        Assert.Equal(0, root.GetProperty("skipped_empty").GetInt32());
        Assert.Equal(20, root.GetProperty("encodings").GetProperty("gb18030").GetInt32());
    }

    [Fact]
    public void Inspect_command_prints_tables_and_fails_on_bad_input_with_a_user_error()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["体育"] = 10, ["财经"] = 10 });
        var (code, output, _) = RunInspect(dir.Path);
        Assert.Equal(0, code);
        Assert.Contains("体育", output);
        Assert.Contains("p95", output);

        Assert.Throws<UserInputException>(() => RunInspect(Path.Combine(dir.Path, "missing")));
    }

    private static (int Code, string Output, string Error) RunInspect(params string[] args)
    {
        var root = new RootCommand { InspectCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(["inspect", .. args]).Invoke(new InvocationConfiguration
        {
            Output = output, Error = error, EnableDefaultExceptionHandler = false,
        });
        return (code, output.ToString(), error.ToString());
    }
}

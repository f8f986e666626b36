using System.Text;
using Changwen.Data;
using static Changwen.Tests.Data.CorpusFixtures;

namespace Changwen.Tests.Data;

/// <summary>Every input a user can get wrong gives one line that names the file (and line) and what to do.</summary>
public class CorpusBadInputTests
{
    private static UserInputException ReadFails(string path, CorpusOptions? options = null)
    {
        var ex = Assert.Throws<UserInputException>(() =>
        {
            var corpus = Corpus.Open(path, options ?? Defaults);
            foreach (var s in new[] { Split.Train, Split.Val, Split.Test }) corpus.Read(s).ToList();
        });
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    [Fact]
    public void Missing_path_is_reported()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nothing-here");
        Assert.StartsWith(missing + ": does not exist", ReadFails(missing).Message);
    }

    [Fact]
    public void Empty_corpus_folder_is_reported()
    {
        using var dir = new TempDir();
        Assert.StartsWith(dir.Path + ": ", ReadFails(dir.Path).Message);
        Assert.Contains("empty", ReadFails(dir.Path).Message);
    }

    [Fact]
    public void Empty_line_file_is_reported()
    {
        using var dir = new TempDir();
        var file = dir.File("data.tsv", "\n\n");
        var ex = ReadFails(file);
        Assert.Contains("data.tsv", ex.Message);
        Assert.Contains("no documents", ex.Message);
    }

    [Fact]
    public void Empty_class_folder_is_reported()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 5 });
        Directory.CreateDirectory(Path.Combine(dir.Path, "空类"));
        var ex = ReadFails(dir.Path);
        Assert.StartsWith(Path.Combine(dir.Path, "空类") + ": is an empty class folder", ex.Message);
    }

    [Fact]
    public void Binary_file_is_reported()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 5, ["乙"] = 5 });
        var image = Path.Combine(dir.Path, "乙", "0002.txt");
        File.WriteAllBytes(image, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x0A, 0x41, 0, 1]);
        var ex = ReadFails(dir.Path);
        Assert.StartsWith(image + ":3: contains NUL bytes", ex.Message); // two line feeds precede the first NUL
    }

    [Fact]
    public void Utf16_line_file_is_reported_as_binary()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "data.tsv");
        File.WriteAllBytes(file, Encoding.Unicode.GetBytes("a\tb\nc\td\n"));
        Assert.Contains("data.tsv:1: contains NUL bytes", ReadFails(file).Message);
    }

    [Fact]
    public void Undecodable_document_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 5, ["乙"] = 5 });
        var bad = Path.Combine(dir.Path, "甲", "0001.txt");
        // valid text, then on line 3 a byte that is neither UTF-8 nor GB18030 (0xFF is never a GB18030 byte)
        File.WriteAllBytes(bad, [.. Encoding.UTF8.GetBytes("第一行\n第二行\n坏"), 0xFF, .. Encoding.UTF8.GetBytes("字\n")]);
        var ex = ReadFails(dir.Path);
        Assert.StartsWith(bad + ":3: ", ex.Message);
        Assert.Contains("--encoding", ex.Message);
    }

    [Fact]
    public void Undecodable_line_in_a_forced_encoding_file_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "data.tsv");
        File.WriteAllBytes(file, [.. Encoding.UTF8.GetBytes("甲\t好的文本\n乙\t坏"), 0xFF, .. Encoding.UTF8.GetBytes("\n")]);
        var ex = ReadFails(file, Defaults with { Encoding = "utf-8" });
        Assert.StartsWith(file + ":2: ", ex.Message);
    }

    [Fact]
    public void Tsv_line_without_a_tab_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "train.tsv");
        WriteLines(file, ["甲\t" + DocumentText("甲", 1), "乙\t" + DocumentText("乙", 1), "这一行没有制表符"]);
        var ex = ReadFails(dir.Path);
        Assert.StartsWith(file + ":3: has no tab", ex.Message);
    }

    [Fact]
    public void Label_in_test_missing_from_train_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        WriteLines(Path.Combine(dir.Path, "train.tsv"), TsvLines(["甲", "乙"], 3));
        var test = Path.Combine(dir.Path, "test.tsv");
        WriteLines(test, ["甲\t" + DocumentText("甲", 9), "丙\t" + DocumentText("丙", 9)]);
        var ex = ReadFails(dir.Path);
        Assert.StartsWith(test + ":2: label '丙' does not occur in the training part", ex.Message);
    }

    [Fact]
    public void Class_with_a_single_document_goes_to_train_only_and_is_reported()
    {
        // Issue 22: nothing of such a class can be held out; it is learnt from its one document (inspect and train say so).
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 5, ["孤"] = 1 });
        var corpus = Corpus.Open(dir.Path, Defaults);
        Assert.Equal(["孤"], corpus.TrainOnlyClasses);
        Assert.Equal(["孤/0000.txt"], corpus.Read(Split.Train).Where(d => d.Label == "孤").Select(d => d.Source));
        Assert.DoesNotContain(corpus.Read(Split.Val).Concat(corpus.Read(Split.Test)), d => d.Label == "孤");
    }

    [Fact]
    public void Class_index_outside_class_file_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        WriteLines(Path.Combine(dir.Path, "class.txt"), ["甲", "乙"]);
        var train = Path.Combine(dir.Path, "train.txt");
        WriteLines(train, [DocumentText("甲", 1) + "\t0", DocumentText("乙", 1) + "\t1", DocumentText("丙", 1) + "\t2"]);
        Assert.StartsWith(train + ":3: class index '2'", ReadFails(dir.Path).Message);
    }

    [Fact]
    public void Bad_json_line_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "data.jsonl");
        WriteLines(file, ["{\"label\":\"甲\",\"text\":\"好\"}", "{\"label\":\"乙\",\"text\":"]);
        Assert.StartsWith(file + ":2: is not valid JSON", ReadFails(file).Message);
    }

    [Fact]
    public void Csv_without_the_needed_columns_is_reported()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "data.csv");
        WriteLines(file, ["标题,正文", "甲,好"]);
        var ex = ReadFails(file);
        Assert.StartsWith(file + ":1: has no text column", ex.Message);
        Assert.Contains("--text-column", ex.Message);
    }

    [Fact]
    public void Csv_with_a_stray_quote_is_reported_with_its_line()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "data.csv");
        WriteLines(file, ["category,content", "甲,好的", "乙,坏\"的\"文本", "甲,好的二"]);
        Assert.StartsWith(file + ":3: ", ReadFails(file).Message);
    }
}

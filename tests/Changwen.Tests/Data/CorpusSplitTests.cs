using Changwen.Data;
using static Changwen.Tests.Data.CorpusFixtures;

namespace Changwen.Tests.Data;

public class CorpusSplitTests
{
    private static Dictionary<string, Split> SplitOf(Corpus c) =>
        new[] { Split.Train, Split.Val, Split.Test }.SelectMany(s => c.Read(s).Select(d => (d.Source, s))).ToDictionary(x => x.Source, x => x.s);

    [Fact]
    public void Same_seed_gives_the_same_split_and_another_seed_another()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 40, ["乙"] = 30, ["丙"] = 20 });
        var a = SplitOf(Corpus.Open(dir.Path, Defaults));
        var b = SplitOf(Corpus.Open(dir.Path, Defaults));
        var c = SplitOf(Corpus.Open(dir.Path, Defaults with { SplitSeed = 43 }));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(90, a.Count);
    }

    [Fact]
    public void Split_is_stratified_by_class()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 50, ["乙"] = 30, ["丙"] = 10, ["丁"] = 4 });
        var corpus = Corpus.Open(dir.Path, Defaults with { ValFraction = 0.2, TestFraction = 0.1 });
        int Count(Split s, string label) => corpus.Read(s).Count(d => d.Label == label);

        Assert.Equal((35, 10, 5), (Count(Split.Train, "甲"), Count(Split.Val, "甲"), Count(Split.Test, "甲")));
        Assert.Equal((21, 6, 3), (Count(Split.Train, "乙"), Count(Split.Val, "乙"), Count(Split.Test, "乙")));
        Assert.Equal((7, 2, 1), (Count(Split.Train, "丙"), Count(Split.Val, "丙"), Count(Split.Test, "丙")));
        // a tiny class still gets one val and one test document, and keeps the rest for training
        Assert.Equal((2, 1, 1), (Count(Split.Train, "丁"), Count(Split.Val, "丁"), Count(Split.Test, "丁")));
    }

    [Fact]
    public void Split_does_not_depend_on_the_order_files_were_created_in()
    {
        using var one = new TempDir();
        using var two = new TempDir();
        WriteFolders(one.Path, new Dictionary<string, int> { ["甲"] = 20, ["乙"] = 20 });
        // the same files, created in reverse order (file systems list in creation order or hash order)
        foreach (var label in new[] { "乙", "甲" })
        {
            Directory.CreateDirectory(Path.Combine(two.Path, label));
            for (var i = 19; i >= 0; i--) File.WriteAllText(Path.Combine(two.Path, label, $"{i:D4}.txt"), DocumentText(label, i));
        }
        Assert.Equal(SplitOf(Corpus.Open(one.Path, Defaults)), SplitOf(Corpus.Open(two.Path, Defaults)));
        Assert.Equal(Corpus.Open(one.Path, Defaults).Fingerprint(), Corpus.Open(two.Path, Defaults).Fingerprint());
    }

    [Fact]
    public void Recorded_split_is_reproduced_after_moving_the_corpus_and_changing_the_seed()
    {
        using var dir = new TempDir();
        var original = Path.Combine(dir.Path, "corpus");
        WriteFolders(original, new Dictionary<string, int> { ["甲"] = 15, ["乙"] = 12 });
        var corpus = Corpus.Open(original, Defaults);
        var record = Path.Combine(dir.Path, "run", "splits.tsv");
        corpus.WriteSplits(record);
        var expected = SplitOf(corpus);

        var lines = File.ReadAllLines(record);
        Assert.Equal("source\tsplit", lines[0]);
        Assert.Contains("甲/0000.txt\t" + expected["甲/0000.txt"].ToString().ToLowerInvariant(), lines);
        Assert.Equal(28, lines.Length);

        var moved = Path.Combine(dir.Path, "moved");
        Directory.Move(original, moved);
        var reopened = Corpus.Open(moved, Defaults with { SplitSeed = 1234 }, record);
        Assert.True(reopened.UsesRecordedSplits);
        Assert.Equal(expected, SplitOf(reopened));
    }

    [Fact]
    public void Recorded_split_of_a_line_corpus_is_reproduced()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "all.jsonl");
        WriteLines(file, Enumerable.Range(0, 30).Select(i => System.Text.Json.JsonSerializer.Serialize(new { label = i % 3 == 0 ? "甲" : "乙", text = DocumentText("文", i) })));
        var corpus = Corpus.Open(file, Defaults with { SplitSeed = 5 });
        var record = Path.Combine(dir.Path, "splits.tsv");
        corpus.WriteSplits(record);
        Assert.Equal(SplitOf(corpus), SplitOf(Corpus.Open(file, Defaults, record)));
    }

    [Fact]
    public void Own_split_files_are_recorded_file_by_file()
    {
        using var dir = new TempDir();
        WriteLines(Path.Combine(dir.Path, "train.tsv"), TsvLines(["甲", "乙"], 4));
        WriteLines(Path.Combine(dir.Path, "val.tsv"), TsvLines(["甲", "乙"], 1));
        WriteLines(Path.Combine(dir.Path, "test.tsv"), TsvLines(["甲", "乙"], 2));
        var corpus = Corpus.Open(dir.Path, Defaults);
        var record = Path.Combine(dir.Path, "splits.tsv");
        corpus.WriteSplits(record);
        Assert.Equal(["source\tsplit", "train.tsv\ttrain", "val.tsv\tval", "test.tsv\ttest"], File.ReadAllLines(record));
        Assert.Equal(SplitOf(corpus), SplitOf(Corpus.Open(dir.Path, Defaults, record)));
    }

    [Fact]
    public void A_document_missing_from_the_recorded_split_is_reported()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 5, ["乙"] = 5 });
        var record = Path.Combine(dir.Path, "..", Path.GetFileName(dir.Path) + "-splits.tsv");
        try
        {
            Corpus.Open(dir.Path, Defaults).WriteSplits(record);
            File.WriteAllText(Path.Combine(dir.Path, "乙", "0099.txt"), DocumentText("乙", 99));
            var corpus = Corpus.Open(dir.Path, Defaults, record);
            var ex = Assert.Throws<UserInputException>(() => SplitOf(corpus));
            Assert.Contains("0099.txt", ex.Message);
            Assert.Contains("recorded split", ex.Message);
        }
        finally { File.Delete(record); }
    }
}

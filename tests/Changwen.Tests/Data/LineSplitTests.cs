using System.Security.Cryptography;
using System.Text;
using Changwen.Data;
using static Changwen.Tests.Data.CorpusFixtures;

namespace Changwen.Tests.Data;

/// <summary>
/// The split of a line corpus is kept one byte a line (LineSplits) instead of a dictionary from each "file:line"
/// source; it must put the same lines in each split as the split by source strings, which folders still use.
/// </summary>
public class LineSplitTests
{
    private static Dictionary<string, Split> SplitOf(Corpus c) =>
        new[] { Split.Train, Split.Val, Split.Test }.SelectMany(s => c.Read(s).Select(d => (d.Source, s))).ToDictionary(x => x.Source, x => x.s);

    /// <summary>250 documents over lines 1–280 (one- to three-digit line numbers, so numeric and ordinal order differ), blank lines between, a class of one.</summary>
    private static string WriteCorpus(string dir)
    {
        var rng = new Random(11);
        var lines = new List<string>();
        string[] labels = ["甲", "乙", "丙", "丁丁"];
        for (var i = 0; i < 250; i++)
        {
            if (i % 9 == 4) lines.Add("");
            lines.Add($"{labels[rng.Next(labels.Length)]}\t{DocumentText("文", i)}");
        }
        lines.Insert(77, $"独\t{DocumentText("独", 0)}");
        var file = Path.Combine(dir, "all.tsv");
        WriteLines(file, lines);
        return file;
    }

    [Theory]
    [InlineData(42, 0.1, 0.1)]
    [InlineData(7, 0.2, 0.05)]
    [InlineData(3, 0.0, 0.3)]
    public void Per_line_split_puts_the_same_lines_in_each_split_as_the_split_by_source(int seed, double val, double test)
    {
        using var dir = new TempDir();
        var file = WriteCorpus(dir.Path);
        var options = Defaults with { SplitSeed = seed, ValFraction = val, TestFraction = test };
        var items = Corpus.Open(file, options with { ValFraction = 0, TestFraction = 0 }).Read(Split.Train).Select(d => (d.Source, d.Label)).ToList();
        Assert.Equal(251, items.Count);

        var bySource = CorpusSplitter.StratifiedSplit(items, file, options, out var single);
        var corpus = Corpus.Open(file, options);
        Assert.Equal(bySource.OrderBy(p => p.Key, StringComparer.Ordinal), SplitOf(corpus).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(single, corpus.TrainOnlyClasses);
        Assert.Equal(["丁丁", "丙", "乙", "独", "甲"], corpus.Classes);

        // The record is the one written from the dictionary before: sources in ordinal order ("all.tsv:10" before "all.tsv:9").
        var record = Path.Combine(dir.Path, "splits.tsv");
        corpus.WriteSplits(record);
        var expected = "source\tsplit\n" + string.Concat(bySource.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}\t{p.Value.ToString().ToLowerInvariant()}\n"));
        Assert.Equal(expected, File.ReadAllText(record));

        var reopened = Corpus.Open(file, options with { SplitSeed = seed + 1 }, record);
        Assert.Equal(SplitOf(corpus), SplitOf(reopened));
        reopened.WriteSplits(record);
        Assert.Equal(expected, File.ReadAllText(record));
    }

    [Fact]
    public void Line_order_is_the_ordinal_order_of_the_sources()
    {
        string[] files = ["a.tsv", "a.tsv2", "a", "a:1", "b/c.tsv", "é.tsv"];
        var order = new LineSourceOrder(files);
        var rng = new Random(5);
        var packed = Enumerable.Range(0, 3000).Select(_ => LineSourceOrder.Pack(rng.Next(files.Length), rng.Next(1, 5) switch
        {
            1 => rng.Next(1, 10), 2 => rng.Next(1, 200), 3 => rng.Next(1, 100_000), _ => rng.NextInt64(1, 1L << 39),
        })).Distinct().ToArray();
        var sorted = packed.ToArray();
        Array.Sort(sorted, order);
        Assert.Equal(packed.Select(order.Source).Order(StringComparer.Ordinal), sorted.Select(order.Source));
    }

    [Fact]
    public void A_record_reads_lines_and_names_and_falls_back_from_a_line_to_its_file()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "splits.tsv");
        File.WriteAllText(path, "source\tsplit\nx.tsv:10\ttest\nx.tsv:9\tval\n\ntrain.tsv\ttrain\nd/e.txt\tTEST\nf:007\tval\n");
        var record = SplitRecord.Read(path);
        Assert.Equal(5, record.Count);
        Assert.Equal(Split.Test, record.Find("x.tsv:10"));
        Assert.Equal(Split.Val, record.Find("x.tsv:9"));
        Assert.Null(record.Find("x.tsv:11"));
        Assert.Equal(Split.Train, record.Find("train.tsv:12345"));
        Assert.Equal(Split.Test, record.Find("d/e.txt"));
        Assert.Equal(Split.Val, record.Find("f:007"));
        Assert.Null(record.Find("f:7"));
        Assert.Equal(["train.tsv", "d/e.txt", "f:007", "x.tsv:10", "x.tsv:9"], record.Entries().Select(e => e.Source));
        Assert.Equal(["d/e.txt", "f:007", "train.tsv", "x.tsv:10", "x.tsv:9"], record.InSourceOrder().Select(e => e.Source));

        File.WriteAllText(path, "source\tsplit\nx.tsv:3\tsometimes\n");
        var ex = Assert.Throws<UserInputException>(() => SplitRecord.Read(path));
        Assert.Contains("splits.tsv:2", ex.Message);
    }

    [Fact]
    public void Fingerprint_of_a_record_hashes_the_same_text_as_the_joined_string_did()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "splits.tsv");
        File.WriteAllText(path, "source\tsplit\n类/甲.txt\ttrain\nx.tsv:10\ttest\nx.tsv:9\tval\nx.tsv:100\ttrain\n");
        var record = SplitRecord.Read(path);

        using var streamed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Corpus.RecordedText(streamed, record);
        using var joined = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var text = Encoding.UTF8.GetBytes("recorded:" + string.Join("\n", new[] { "x.tsv:10\tTest", "x.tsv:100\tTrain", "x.tsv:9\tVal", "类/甲.txt\tTrain" }));
        joined.AppendData(BitConverter.GetBytes(text.Length));
        joined.AppendData(text);
        Assert.Equal(joined.GetHashAndReset(), streamed.GetHashAndReset());
    }
}

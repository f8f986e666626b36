using System.Text;
using Changwen.Data;
using static Changwen.Tests.Data.CorpusFixtures;

namespace Changwen.Tests.Data;

public class CorpusReaderTests
{
    private static List<Document> All(Corpus c) => [.. c.Read(Split.Train), .. c.Read(Split.Val), .. c.Read(Split.Test)];

    [Fact]
    public void Reads_utf8_folder_corpus_folder_by_folder_and_file_by_file()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["体育"] = 10, ["财经"] = 10, ["娱乐"] = 10 });
        var corpus = Corpus.Open(dir.Path, Defaults);

        Assert.Equal(CorpusFormat.Folders, corpus.Format);
        Assert.False(corpus.HasOwnSplits);
        Assert.Equal(new[] { "体育", "娱乐", "财经" }.Order(StringComparer.Ordinal), corpus.Classes);
        var train = corpus.Read(Split.Train).ToList();
        // label-ordered: one run per class, in class order, files in name order within each class
        Assert.Equal(corpus.Classes, train.Select(d => d.Label).Distinct());
        foreach (var g in train.GroupBy(d => d.Label))
            Assert.Equal(g.Select(d => d.Source).Order(StringComparer.Ordinal), g.Select(d => d.Source));
        var all = All(corpus);
        Assert.Equal(30, all.Count);
        var first = all.Single(d => d.Source == "体育/0003.txt");
        Assert.Equal(DocumentText("体育", 3), first.Text);
        Assert.Equal("体育", first.Label);
    }

    [Fact]
    public void Reads_gb18030_folder_corpus()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["C3-Art"] = 5, ["C7-History"] = 5 }, Gb18030);
        Assert.NotEqual(Encoding.UTF8.GetBytes(DocumentText("C3-Art", 0)), File.ReadAllBytes(Path.Combine(dir.Path, "C3-Art", "0000.txt")));
        var corpus = Corpus.Open(dir.Path, Defaults);

        var docs = All(corpus);
        Assert.Equal(10, docs.Count);
        Assert.Contains(docs, d => d.Text == DocumentText("C7-History", 4));
        Assert.All(docs, d => Assert.DoesNotContain('\uFFFD', d.Text));
        Assert.Equal(new Dictionary<string, int> { ["gb18030"] = 10 }, corpus.Statistics.EncodingCounts);
    }

    [Fact]
    public void Detects_the_encoding_per_file_in_a_mixed_folder_corpus()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 4, ["乙"] = 4 });
        File.WriteAllText(Path.Combine(dir.Path, "甲", "0001.txt"), DocumentText("甲", 1), Gb18030);
        File.WriteAllText(Path.Combine(dir.Path, "乙", "0002.txt"), DocumentText("乙", 2), Utf8Bom);

        var docs = All(Corpus.Open(dir.Path, Defaults));
        Assert.Equal(DocumentText("甲", 1), docs.Single(d => d.Source == "甲/0001.txt").Text);
        Assert.Equal(DocumentText("乙", 2), docs.Single(d => d.Source == "乙/0002.txt").Text); // no U+FEFF left
    }

    [Fact]
    public void Forced_encoding_overrides_detection()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 3, ["乙"] = 3 }, Gb18030);
        var docs = All(Corpus.Open(dir.Path, Defaults with { Encoding = "gbk" }));
        Assert.Contains(docs, d => d.Text == DocumentText("乙", 2));
        var ex = Assert.Throws<UserInputException>(() => Corpus.Open(dir.Path, Defaults with { Encoding = "latin-9" }));
        Assert.Contains("--encoding", ex.Message);
    }

    [Fact]
    public void Drops_trailing_NUL_padding_of_old_corpora()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["法律"] = 3, ["历史"] = 3 }, Gb18030);
        var padded = Path.Combine(dir.Path, "法律", "0001.txt");
        File.WriteAllBytes(padded, [.. Gb18030.GetBytes(DocumentText("法律", 1) + "\n"), .. new byte[40], .. Gb18030.GetBytes("\uFFFD\n")]);

        var corpus = Corpus.Open(dir.Path, Defaults);
        var doc = All(corpus).Single(d => d.Source == "法律/0001.txt");
        Assert.Equal(DocumentText("法律", 1), doc.Text);
        Assert.Equal(["法律/0001.txt"], corpus.Statistics.NulPaddingTrimmed);
    }

    [Fact]
    public void Reads_train_val_test_folders_of_class_folders_as_own_splits()
    {
        using var dir = new TempDir();
        WriteFolders(Path.Combine(dir.Path, "train"), new Dictionary<string, int> { ["甲"] = 6, ["乙"] = 6 });
        WriteFolders(Path.Combine(dir.Path, "val"), new Dictionary<string, int> { ["甲"] = 2, ["乙"] = 1 });
        WriteFolders(Path.Combine(dir.Path, "test"), new Dictionary<string, int> { ["甲"] = 1, ["丙"] = 1 });
        var corpus = Corpus.Open(dir.Path, Defaults);

        Assert.Equal(CorpusFormat.Folders, corpus.Format);
        Assert.True(corpus.HasOwnSplits);
        Assert.Equal(["乙", "甲"], corpus.Classes);
        Assert.Equal(12, corpus.Read(Split.Train).Count());
        Assert.Equal("val/甲/0001.txt", corpus.Read(Split.Val).Last().Source);
        var ex = Assert.Throws<UserInputException>(() => corpus.Read(Split.Test).ToList());
        Assert.Contains("test/丙/0000.txt: label '丙' does not occur in the training part", ex.Message);
    }

    [Fact]
    public void Reads_tsv_split_files_plain_and_gzipped_with_line_sources()
    {
        using var dir = new TempDir();
        string[] labels = ["体育", "财经"];
        WriteLines(Path.Combine(dir.Path, "train.tsv.gz"), TsvLines(labels, 5));
        WriteLines(Path.Combine(dir.Path, "dev.tsv"), TsvLines(labels, 2, offset: 100), Utf8Bom);
        WriteLines(Path.Combine(dir.Path, "test.tsv.gz"), TsvLines(labels, 3, offset: 200), Gb18030);
        var corpus = Corpus.Open(dir.Path, Defaults);

        Assert.Equal(CorpusFormat.Tsv, corpus.Format);
        Assert.True(corpus.HasOwnSplits);
        Assert.Equal(["体育", "财经"], corpus.Classes);
        var train = corpus.Read(Split.Train).ToList();
        Assert.Equal(10, train.Count);
        Assert.Equal(new Document("财经", DocumentText("财经", 0), "train.tsv.gz:2"), train[1]);
        var val = corpus.Read(Split.Val).ToList();
        Assert.Equal(4, val.Count);
        Assert.Equal(DocumentText("体育", 100), val[0].Text);
        var test = corpus.Read(Split.Test).ToList();
        Assert.Equal(6, test.Count);
        Assert.Equal(DocumentText("财经", 202), test[5].Text);
        Assert.Equal("gb18030", corpus.Statistics.FileEncodings["test.tsv.gz"]);
    }

    [Fact]
    public void Reads_a_single_tsv_file_given_as_the_path_and_splits_it()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "news.txt");
        WriteLines(file, TsvLines(["体育", "财经", "教育"], 20));
        var corpus = Corpus.Open(file, Defaults);

        Assert.Equal(CorpusFormat.Tsv, corpus.Format);
        Assert.False(corpus.HasOwnSplits);
        Assert.Equal(60, All(corpus).Count);
        Assert.Equal(48, corpus.Read(Split.Train).Count());
        Assert.All(corpus.Read(Split.Test), d => Assert.StartsWith("news.txt:", d.Source));
    }

    [Fact]
    public void Reads_indexed_tsv_with_class_file_order()
    {
        using var dir = new TempDir();
        string[] names = ["财经", "房产", "股票"];
        WriteLines(Path.Combine(dir.Path, "class.txt"), names);
        IEnumerable<string> Lines(int offset) => Enumerable.Range(offset, 6).Select(i => $"{DocumentText(names[i % 3], i)}\t{i % 3}");
        WriteLines(Path.Combine(dir.Path, "train.txt"), Lines(0));
        WriteLines(Path.Combine(dir.Path, "dev.txt"), Lines(10));
        WriteLines(Path.Combine(dir.Path, "test.txt"), Lines(20));
        var corpus = Corpus.Open(dir.Path, Defaults);

        Assert.Equal(CorpusFormat.IndexedTsv, corpus.Format);
        Assert.Equal(names, corpus.Classes); // class.txt order, not sorted
        var train = corpus.Read(Split.Train).ToList();
        Assert.Equal(new Document("房产", DocumentText("房产", 1), "train.txt:2"), train[1]);
        Assert.Equal(6, corpus.Read(Split.Val).Count());
        Assert.Equal(6, corpus.Read(Split.Test).Count());
    }

    [Fact]
    public void Reads_csv_with_quoted_fields_and_default_or_named_columns()
    {
        using var dir = new TempDir();
        var csv = Path.Combine(dir.Path, "news.csv");
        var rows = new List<string> { "id,category,content" };
        for (var i = 0; i < 10; i++)
            foreach (var l in new[] { "体育", "财经" })
                rows.Add($"{i},{l},\"{DocumentText(l, i)}，含逗号, 和\"\"引号\"\"\n第二行\"");
        WriteLines(csv, rows);
        var corpus = Corpus.Open(dir.Path, Defaults);

        Assert.Equal(CorpusFormat.Csv, corpus.Format);
        var docs = All(corpus);
        Assert.Equal(20, docs.Count);
        var doc = docs.Single(d => d.Source == "news.csv:4"); // header line 1, each record two lines
        Assert.Equal("财经", doc.Label);
        Assert.Equal(DocumentText("财经", 0) + "，含逗号, 和\"引号\"\n第二行", doc.Text);

        var byName = Corpus.Open(csv, Defaults with { LabelColumn = "id", TextColumn = "content" });
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()).Order(StringComparer.Ordinal), byName.Classes);
    }

    [Fact]
    public void Reads_json_lines_with_default_and_named_fields()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "data.jsonl");
        WriteLines(file, Enumerable.Range(0, 10).SelectMany(i => new[] { "科技", "游戏" }.Select(l =>
            System.Text.Json.JsonSerializer.Serialize(new { label = l, text = DocumentText(l, i), tag = i % 2 }))));
        var corpus = Corpus.Open(file, Defaults);
        Assert.Equal(CorpusFormat.Jsonl, corpus.Format);
        var docs = All(corpus);
        Assert.Equal(20, docs.Count);
        Assert.Equal(DocumentText("游戏", 0), docs.Single(d => d.Source == "data.jsonl:2").Text);

        var byTag = Corpus.Open(file, Defaults with { LabelColumn = "tag" });
        Assert.Equal(["0", "1"], byTag.Classes);
    }

    [Fact]
    public void Skips_and_counts_empty_documents()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 10, ["乙"] = 10 });
        File.WriteAllText(Path.Combine(dir.Path, "甲", "0003.txt"), "  \n\t ");
        File.WriteAllText(Path.Combine(dir.Path, "乙", "0005.txt"), "");
        var corpus = Corpus.Open(dir.Path, Defaults);

        var docs = All(corpus);
        Assert.Equal(18, docs.Count);
        Assert.Equal(2, corpus.Statistics.SkippedEmpty.Values.Sum());
        Assert.DoesNotContain(docs, d => d.Source is "甲/0003.txt" or "乙/0005.txt");

        var tsv = Path.Combine(dir.Path, "lines.tsv");
        WriteLines(tsv, ["甲\t" + DocumentText("甲", 1), "乙\t   ", "", "甲\t" + DocumentText("甲", 2), "乙\t" + DocumentText("乙", 3), "乙\t" + DocumentText("乙", 4)]);
        var lines = Corpus.Open(tsv, Defaults with { ValFraction = 0, TestFraction = 0.3 });
        Assert.Equal(4, All(lines).Count);
        Assert.Equal(1, lines.Statistics.SkippedEmpty.Values.Sum());
    }

    [Fact]
    public void Reads_a_ten_megabyte_single_line_document()
    {
        using var dir = new TempDir();
        var huge = string.Concat(Enumerable.Repeat("长文档测试内容，", 10 * 1024 * 1024 / 24 + 1));
        Assert.True(Encoding.UTF8.GetByteCount(huge) > 10_000_000);
        WriteLines(Path.Combine(dir.Path, "train.tsv"), ["体育\t" + huge, "财经\t" + DocumentText("财经", 1)]);
        WriteLines(Path.Combine(dir.Path, "test.tsv"), ["体育\t" + DocumentText("体育", 2)]);
        var train = Corpus.Open(dir.Path, Defaults).Read(Split.Train).ToList();
        Assert.Equal(huge.Trim(), train[0].Text);
        Assert.Equal(2, train.Count);
    }

    [Fact]
    public void Fingerprint_follows_content_and_reading_options()
    {
        using var dir = new TempDir();
        WriteFolders(dir.Path, new Dictionary<string, int> { ["甲"] = 5, ["乙"] = 5 });
        var first = Corpus.Open(dir.Path, Defaults).Fingerprint();
        Assert.Equal(first, Corpus.Open(dir.Path, Defaults).Fingerprint());
        Assert.Matches("^[0-9a-f]{64}$", first);
        Assert.NotEqual(first, Corpus.Open(dir.Path, Defaults with { SplitSeed = 7 }).Fingerprint());
        Assert.NotEqual(first, Corpus.Open(dir.Path, Defaults with { Encoding = "utf-8" }).Fingerprint());

        var file = Path.Combine(dir.Path, "乙", "0002.txt");
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 1;
        File.WriteAllBytes(file, bytes);
        Assert.NotEqual(first, Corpus.Open(dir.Path, Defaults).Fingerprint());
    }

    [Fact]
    public void Fingerprint_ignores_the_split_seed_when_the_corpus_has_its_own_splits()
    {
        using var dir = new TempDir();
        WriteLines(Path.Combine(dir.Path, "train.tsv"), TsvLines(["甲", "乙"], 3));
        WriteLines(Path.Combine(dir.Path, "test.tsv"), TsvLines(["甲", "乙"], 1));
        Assert.Equal(Corpus.Open(dir.Path, Defaults).Fingerprint(), Corpus.Open(dir.Path, Defaults with { SplitSeed = 9 }).Fingerprint());
    }
}

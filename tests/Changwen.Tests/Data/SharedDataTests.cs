using Changwen.Data;

namespace Changwen.Tests.Data;

/// <summary>The real corpora in ../shared/data, read in each of their layouts (read only; nothing copied).</summary>
public class SharedDataTests
{
    private static CorpusReport Inspect(string name) => CorpusInspector.Inspect(Corpus.Open(TestPaths.Shared(name), new CorpusOptions()));

    [Fact]
    public void Thucnews_folders_hold_3203_documents_in_14_classes_ordered_by_label()
    {
        var report = Inspect("thucnews");
        Assert.Equal(CorpusFormat.Folders, report.Format);
        Assert.Equal(3203, report.Documents);
        Assert.Equal(14, report.Classes.Count);
        Assert.True(report.OrderedByLabel);
        Assert.Equal(14, report.LabelRuns);
        Assert.All(report.PerClass, c => Assert.True(c.Train >= 2 && c.Test >= 1, c.Name));
    }

    [Fact]
    public void Chinanews_gzipped_tsv_splits_hold_19835_2479_2479()
    {
        var report = Inspect("chinanews");
        Assert.Equal(CorpusFormat.Tsv, report.Format);
        Assert.True(report.HasOwnSplits);
        Assert.Equal(new Dictionary<string, int> { ["train"] = 19835, ["val"] = 2479, ["test"] = 2479 }, report.Splits);
        Assert.Equal(17, report.Classes.Count);
    }

    [Fact]
    public void Fudan_gb18030_folders_hold_2554_documents_in_20_classes_of_readable_chinese()
    {
        var corpus = Corpus.Open(TestPaths.Shared("fudan"), new CorpusOptions());
        var report = CorpusInspector.Inspect(corpus);
        Assert.Equal(2554, report.Documents);
        Assert.Equal(20, report.Classes.Count);
        Assert.True(report.Encodings["gb18030"] > 2500);

        var doc = corpus.Read(Split.Train).First(d => d.Label == "C39-Sports");
        Assert.Contains(doc.Text, c => c is '的' or '是' or '在');
        Assert.DoesNotContain('\uFFFD', doc.Text);
        Assert.DoesNotContain('\0', doc.Text);
        Assert.All(corpus.Read(Split.Test), d => Assert.DoesNotContain('\0', d.Text));
    }

    [Fact]
    public void Titles_indexed_tsv_holds_25473_3183_3183_in_10_classes()
    {
        var report = Inspect("titles");
        Assert.Equal(CorpusFormat.IndexedTsv, report.Format);
        Assert.Equal(new Dictionary<string, int> { ["train"] = 25473, ["val"] = 3183, ["test"] = 3183 }, report.Splits);
        Assert.Equal(10, report.Classes.Count);
    }

    [Fact]
    public void Sohu_csv_holds_10444_documents_in_8_classes()
    {
        var report = Inspect("sohu");
        Assert.Equal(CorpusFormat.Csv, report.Format);
        Assert.Equal(10444, report.Documents);
        Assert.Equal(8, report.Classes.Count);
        Assert.False(report.HasOwnSplits);
    }
}

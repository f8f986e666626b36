using System.IO.Compression;
using Changwen.Data;
using Changwen.Text;

namespace Changwen.Tests.Text;

/// <summary>Checks on real news text, read from the shared data at test time (never copied).</summary>
public class RealDataTests
{
    private static List<Document> ChinanewsHead(int count)
    {
        var path = TestPaths.Shared(Path.Combine("chinanews", "train.tsv.gz"));
        Assert.True(File.Exists(path), $"shared data missing: {path}");
        var docs = new List<Document>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (docs.Count < count && reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t');
            docs.Add(new Document(line[..tab], line[(tab + 1)..], $"{path}:{docs.Count + 1}"));
        }
        return docs;
    }

    [Fact]
    public void Word_segmentation_of_real_news_loses_no_character_but_whitespace()
    {
        var docs = ChinanewsHead(60);
        var corpus = Segmentation.Run(s => s == Split.Train ? docs : [], ["any"], "chinanews-head-60",
            new TokenizerOptions(), cacheDir: "", progress: null, CancellationToken.None);
        Assert.Equal(docs.Count, corpus.Train.Count);
        long tokens = 0, characters = 0;
        for (var i = 0; i < docs.Count; i++)
        {
            var expected = string.Concat(docs[i].Text.Where(c => !char.IsWhiteSpace(c)));
            Assert.Equal(expected, string.Concat(corpus.Train[i].Tokens));
            tokens += corpus.Train[i].Tokens.Length;
            characters += expected.Length;
        }
        // jieba gives roughly 0.6 words per character on news text: most tokens are multi-character words.
        Assert.InRange((double)tokens / characters, 0.4, 0.8);
    }
}

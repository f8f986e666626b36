using Changwen.Data;
using Changwen.Text;

namespace Changwen.Tests.Text;

public class SegmentationTests
{
    private static readonly string[] Classes = ["体育", "财经"];

    /// <summary>A small invented corpus; the read counter shows whether segmentation had to read it.</summary>
    private sealed class FakeCorpus(int trainDocs = 40)
    {
        public int Reads;

        public IEnumerable<Document> Read(Split split)
        {
            Interlocked.Increment(ref Reads);
            var count = split == Split.Train ? trainDocs : 5;
            for (var i = 0; i < count; i++)
            {
                var label = Classes[i % 2];
                var text = label == "体育"
                    ? $"第{i}场比赛，主队在北京以{i % 7}比{i % 3}获胜，球迷非常高兴。"
                    : $"第{i}季度，公司在上海的营业收入增长了{i}个百分点，股价上涨。";
                yield return new Document(label, text, $"{split}:{i + 1}");
            }
        }
    }

    /// <summary>Counts how often it is asked to tokenize.</summary>
    private sealed class SpyTokenizer : ITokenizer
    {
        private readonly ITokenizer inner = new CharTokenizer();
        public int Calls;
        public string[] Tokenize(string text)
        {
            Interlocked.Increment(ref Calls);
            return inner.Tokenize(text);
        }
    }

    private static TokenizedCorpus Run(FakeCorpus corpus, string? cacheDir, TokenizerOptions? options = null,
        string fingerprint = "v1", List<ProgressUpdate>? progress = null) =>
        Segmentation.Run(corpus.Read, Classes, fingerprint, options ?? new TokenizerOptions(), cacheDir,
            progress is null ? null : new SyncProgress(progress), CancellationToken.None);

    private sealed class SyncProgress(List<ProgressUpdate> updates) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) { lock (updates) updates.Add(value); }
    }

    [Fact]
    public void Segments_every_split_in_reading_order_like_the_tokenizer_alone()
    {
        var corpus = new FakeCorpus();
        var result = Run(corpus, cacheDir: "");
        var tokenizer = Tokenizers.Create(new TokenizerOptions());
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
        {
            var expected = new FakeCorpus().Read(split).ToList();
            Assert.Equal(expected.Count, result[split].Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Source, result[split][i].Source);
                Assert.Equal(expected[i].Label, result[split][i].Label);
                Assert.Equal(expected[i].Text.Length, result[split][i].Characters);
                Assert.Equal(tokenizer.Tokenize(expected[i].Text), result[split][i].Tokens);
            }
        }
        Assert.Equal(Classes, result.Classes);
        Assert.False(result.FromCache);
        Assert.Null(result.CachePath);
    }

    [Fact]
    public void Keeps_order_across_many_chunks_and_shares_repeated_token_strings()
    {
        var docs = Enumerable.Range(0, Segmentation.ChunkDocuments * 2 + 17)
            .Select(i => new Document(Classes[i % 2], $"文{i}", $"doc:{i}")).ToList();
        var result = Segmentation.Run(s => s == Split.Train ? docs : [], Classes, "many", new CharTokenizer(), "char", "",
            null, CancellationToken.None);
        Assert.Equal(docs.Select(d => d.Source), result.Train.Select(d => d.Source));
        Assert.Equal(docs.Select(d => d.Text.Length), result.Train.Select(d => d.Characters));
        Assert.Same(result.Train[0].Tokens[0], result.Train[^1].Tokens[0]);
    }

    [Fact]
    public void Second_run_reads_the_cache_without_reading_or_segmenting_the_corpus()
    {
        using var dir = new TempDir();
        var corpus = new FakeCorpus();
        var spy = new SpyTokenizer();
        var first = Segmentation.Run(corpus.Read, Classes, "v1", spy, "spy", dir.Path, null, CancellationToken.None);
        Assert.Equal(50, spy.Calls);
        Assert.False(first.FromCache);
        Assert.True(File.Exists(first.CachePath));
        Assert.StartsWith(dir.Path, first.CachePath);

        var progress = new List<ProgressUpdate>();
        var second = Segmentation.Run(corpus.Read, Classes, "v1", spy, "spy", dir.Path, new SyncProgress(progress), CancellationToken.None);
        Assert.Equal(50, spy.Calls);
        Assert.Equal(3, corpus.Reads);
        Assert.True(second.FromCache);
        Assert.Contains(progress, p => p.Message?.Contains("cache") == true);
        AssertSameCorpus(first, second);
    }

    [Fact]
    public void Cache_is_rebuilt_when_content_or_tokenizer_settings_change()
    {
        using var dir = new TempDir();
        var corpus = new FakeCorpus();
        var first = Run(corpus, dir.Path);
        Assert.True(Run(corpus, dir.Path).FromCache);

        var changedContent = Run(corpus, dir.Path, fingerprint: "v2");
        Assert.False(changedContent.FromCache);

        var chars = Run(corpus, dir.Path, new TokenizerOptions { Kind = TokenizerKind.Char });
        Assert.False(chars.FromCache);
        Assert.NotEqual(first.Train[0].Tokens, chars.Train[0].Tokens);

        // Same stop-word path, different content: a new key.
        var stop = dir.File("stop.txt", "的\n");
        var withStop = new TokenizerOptions { StopWords = stop };
        Assert.False(Run(corpus, dir.Path, withStop).FromCache);
        Assert.True(Run(corpus, dir.Path, withStop).FromCache);
        File.WriteAllText(stop, "，\n");
        var changedStop = Run(corpus, dir.Path, withStop);
        Assert.False(changedStop.FromCache);
        Assert.DoesNotContain("，", changedStop.Train[0].Tokens);

        var dict = dir.File("user.txt", "营业收入增长 50\n");
        var withDict = Run(corpus, dir.Path, new TokenizerOptions { UserDictionary = dict });
        Assert.False(withDict.FromCache);
        Assert.Contains("营业收入增长", withDict.Train[1].Tokens);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public void Corrupt_cache_file_is_ignored_and_rebuilt(string damage)
    {
        using var dir = new TempDir();
        var corpus = new FakeCorpus();
        var first = Run(corpus, dir.Path);
        var path = first.CachePath!;
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flip": bytes[bytes.Length / 2] ^= 0x55; break;
            case "truncate": bytes = bytes[..(bytes.Length * 2 / 3)]; break;
            case "garbage": new Random(7).NextBytes(bytes); break;
            case "empty": bytes = []; break;
        }
        File.WriteAllBytes(path, bytes);

        var progress = new List<ProgressUpdate>();
        var rebuilt = Run(corpus, dir.Path, progress: progress);
        Assert.False(rebuilt.FromCache);
        Assert.Contains(progress, p => p.Message?.Contains("ignoring segmentation cache") == true);
        AssertSameCorpus(first, rebuilt);
        Assert.True(Run(corpus, dir.Path).FromCache);
    }

    [Fact]
    public void Default_cache_folder_follows_the_environment()
    {
        Assert.Equal("/tmp/cw-own", SegmentationCache.DefaultFolder(
            name => name switch { "CHANGWEN_CACHE" => "/tmp/cw-own", "XDG_CACHE_HOME" => "/tmp/xdg", _ => null }));
        Assert.Equal("/tmp/xdg/changwen", SegmentationCache.DefaultFolder(name => name == "XDG_CACHE_HOME" ? "/tmp/xdg" : null));
        Assert.EndsWith("/.cache/changwen", SegmentationCache.DefaultFolder(_ => null));
    }

    private static void AssertSameCorpus(TokenizedCorpus expected, TokenizedCorpus actual)
    {
        Assert.Equal(expected.Classes, actual.Classes);
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
        {
            Assert.Equal(expected[split].Count, actual[split].Count);
            for (var i = 0; i < expected[split].Count; i++)
            {
                Assert.Equal(expected[split][i].Label, actual[split][i].Label);
                Assert.Equal(expected[split][i].Source, actual[split][i].Source);
                Assert.Equal(expected[split][i].Characters, actual[split][i].Characters);
                Assert.Equal(expected[split][i].Tokens, actual[split][i].Tokens);
            }
        }
    }

    [Fact]
    public void The_cache_keeps_characters_outside_the_BMP_whole()
    {
        using var dir = new TempDir();
        IEnumerable<Document> Read(Split split) => split == Split.Train
            ? [new Document("体育", "球赛👍🏽冠军🇨🇳𠮷野家", "a"), new Document("财经", "股市📈𩸽上涨", "b")]
            : [];
        var options = new TokenizerOptions();
        var first = Segmentation.Run(Read, Classes, "astral", options, dir.Path, null, CancellationToken.None);
        var second = Segmentation.Run(Read, Classes, "astral", options, dir.Path, null, CancellationToken.None);

        Assert.True(second.FromCache);
        Assert.Equal(first.Train.Select(d => d.Tokens), second.Train.Select(d => d.Tokens));
        Assert.Contains("𠮷", second.Train[0].Tokens);
        Assert.Contains("👍🏽", second.Train[0].Tokens);
        Assert.All(second.Train.SelectMany(d => d.Tokens), t => Assert.True(Graphemes.IsWellFormed(t)));
        // Another normalisation is another cache entry.
        var nfkc = Segmentation.Run(Read, Classes, "astral", options with { Normalize = TextNormalization.Nfkc }, dir.Path, null, CancellationToken.None);
        Assert.False(nfkc.FromCache);
    }
}

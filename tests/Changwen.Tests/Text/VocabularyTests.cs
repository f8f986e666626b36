using Changwen.Text;

namespace Changwen.Tests.Text;

public class VocabularyTests
{
    private static readonly IReadOnlyList<string>[] Docs =
    [
        ["北京", "天气", "很", "好"],
        ["北京", "股市", "上涨", "好"],
        ["上海", "天气", "好"],
    ];

    [Fact]
    public void Reserves_pad_and_unk_then_orders_by_count_then_ordinally()
    {
        var vocab = Vocabulary.Build(Docs, new VocabularyOptions { MinCount = 1, MaxVocab = 0 });
        Assert.Equal("<pad>", vocab.TokenOf(0));
        Assert.Equal("<unk>", vocab.TokenOf(1));
        Assert.Equal("好", vocab.TokenOf(2)); // 3 times
        // 北京 and 天气 twice each: ordinal order of their UTF-16 code units.
        var twice = new[] { "北京", "天气" }.OrderBy(t => t, StringComparer.Ordinal).ToArray();
        Assert.Equal(twice, new[] { vocab.TokenOf(3), vocab.TokenOf(4) });
        Assert.Equal(2 + 7, vocab.Count);
        Assert.Equal(3, vocab.CountOf(2));
        Assert.Equal(Vocabulary.UnknownId, vocab.IdOf("广州"));
        Assert.Equal(2, vocab.IdOf("好"));
    }

    [Fact]
    public void Min_count_drops_rare_tokens()
    {
        var vocab = Vocabulary.Build(Docs, new VocabularyOptions { MinCount = 2, MaxVocab = 0 });
        Assert.Equal(2 + 3, vocab.Count);
        Assert.Equal(Vocabulary.UnknownId, vocab.IdOf("上海"));
        Assert.NotEqual(Vocabulary.UnknownId, vocab.IdOf("天气"));
    }

    [Fact]
    public void Max_vocab_counts_the_reserved_ids_and_keeps_the_most_frequent()
    {
        var vocab = Vocabulary.Build(Docs, new VocabularyOptions { MinCount = 1, MaxVocab = 4 });
        Assert.Equal(4, vocab.Count);
        Assert.Equal("好", vocab.TokenOf(2));
        Assert.Equal(Vocabulary.UnknownId, vocab.IdOf("上涨"));
    }

    [Fact]
    public void Unknown_rate_is_the_share_of_tokens_mapped_to_unk()
    {
        var vocab = Vocabulary.Build(Docs, new VocabularyOptions { MinCount = 2, MaxVocab = 0 });
        Assert.Equal(0.5, vocab.UnknownRate([["好", "上海"], ["天气", "广州"]]));
        Assert.Equal(0, vocab.UnknownRate([]));
    }

    [Fact]
    public void Save_and_load_round_trip_line_n_is_id_n()
    {
        using var dir = new TempDir();
        var vocab = Vocabulary.Build(Docs, new VocabularyOptions { MinCount = 1, MaxVocab = 0 });
        var path = Path.Combine(dir.Path, "vocab.tsv");
        vocab.Save(path);
        var lines = File.ReadAllLines(path);
        Assert.Equal("<pad>\t0", lines[0]);
        Assert.Equal("<unk>\t0", lines[1]);
        Assert.Equal("好\t3", lines[2]);

        var loaded = Vocabulary.Load(path);
        Assert.Equal(vocab.Count, loaded.Count);
        for (var id = 0; id < vocab.Count; id++)
        {
            Assert.Equal(vocab.TokenOf(id), loaded.TokenOf(id));
            Assert.Equal(vocab.CountOf(id), loaded.CountOf(id));
            Assert.Equal(id, loaded.IdOf(vocab.TokenOf(id)));
        }
    }

    [Theory]
    [InlineData("<pad>\t0\n<unk>\t0\n好 3\n", 3)]
    [InlineData("<pad>\t0\n<unk>\t0\n好\tmany\n", 3)]
    [InlineData("<unk>\t0\n<pad>\t0\n", 1)]
    [InlineData("<pad>\t0\n<unk>\t0\n好\t3\n好\t2\n", 4)]
    [InlineData("<pad>\t0\n<unk>\t0\n\t3\n", 3)]
    public void Malformed_vocabulary_file_is_refused_with_one_line_naming_it(string contents, int line)
    {
        using var dir = new TempDir();
        var path = dir.File("vocab.tsv", contents);
        var e = Assert.Throws<UserInputException>(() => Vocabulary.Load(path));
        Assert.StartsWith($"{path}:{line}:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Empty_or_missing_vocabulary_file_is_refused()
    {
        using var dir = new TempDir();
        Assert.Throws<UserInputException>(() => Vocabulary.Load(dir.File("empty.tsv", "")));
        Assert.Throws<UserInputException>(() => Vocabulary.Load(Path.Combine(dir.Path, "missing.tsv")));
    }
}

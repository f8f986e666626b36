using Changwen.Text;

namespace Changwen.Tests.Text;

/// <summary>Characters outside the Basic Multilingual Plane (emoji, CJK Extension B) through the tokenizers and the vocabulary.</summary>
public class AstralTextTests
{
    private const string ThumbsUpMediumSkin = "👍🏽";
    private const string ChinaFlag = "🇨🇳";
    private const string Family = "👨‍👩‍👧";
    private const string Text = "今天天气很好" + ThumbsUpMediumSkin + "，我们去看球赛" + ChinaFlag + "！𠮷野家的𩸽很好吃😘🙏 " + Family + " ❤️";

    private static ITokenizer Word(TokenizerOptions? options = null) => Tokenizers.Create(options ?? new TokenizerOptions());
    private static ITokenizer Char(TokenizerOptions? options = null) =>
        Tokenizers.Create((options ?? new TokenizerOptions()) with { Kind = TokenizerKind.Char });

    private static bool HasLoneSurrogate(string token) => !Graphemes.IsWellFormed(token);

    [Fact]
    public void Char_tokenizer_gives_one_token_per_grapheme()
    {
        Assert.Equal(["𠮷"], Char().Tokenize("𠮷"));
        Assert.Equal(["今", "天", ThumbsUpMediumSkin, ChinaFlag, "𩸽", Family, "❤️", "e\u0301"],
            Char().Tokenize("今 天" + ThumbsUpMediumSkin + ChinaFlag + "\t𩸽 " + Family + "\r\n❤️e\u0301"));
    }

    [Fact]
    public void Word_tokenizer_keeps_astral_graphemes_whole_and_cuts_the_words_around_them_as_jieba_does()
    {
        var tokens = Word().Tokenize(Text);
        Assert.DoesNotContain(tokens, HasLoneSurrogate);
        foreach (var whole in new[] { ThumbsUpMediumSkin, ChinaFlag, "𠮷", "𩸽", "😘", "🙏", Family })
            Assert.Contains(whole, tokens);
        // Nothing is lost or reordered but whitespace.
        Assert.Equal(Text.Replace(" ", ""), string.Concat(tokens));
        // The Chinese words between the emoji are jieba's own cut of the text without them.
        var bmpOnly = Word().Tokenize("今天天气很好，我们去看球赛！野家的很好吃");
        Assert.Equal(bmpOnly, tokens.Where(t => !Graphemes.HasSurrogates(t) && t != "❤" && t != "\uFE0F" && t != "\u200D"));
    }

    [Fact]
    public void Unpaired_surrogates_become_the_replacement_character()
    {
        const string broken = "好\uD83D天\uDC4D气";
        foreach (var tokenizer in new[] { Word(), Char() })
        {
            var tokens = tokenizer.Tokenize(broken);
            Assert.DoesNotContain(tokens, HasLoneSurrogate);
            Assert.Equal(2, tokens.Count(t => t.Contains('\uFFFD')));
        }
    }

    [Fact]
    public void Version_1_tokenizes_as_before_for_runs_trained_then()
    {
        var v1 = new TokenizerOptions { Version = 1 };
        Assert.Equal(["\uD842", "\uDFB7", "野家"], Word(v1).Tokenize("𠮷野家"));
        Assert.Equal(["👍", "🏽", "𠮷"], Char(v1).Tokenize(ThumbsUpMediumSkin + "𠮷"));
        var e = Assert.Throws<UserInputException>(() => Word(new TokenizerOptions { Version = 3 }));
        Assert.Contains("tokenizer version 3", e.Message);
    }

    [Fact]
    public void Tokens_of_both_versions_differ_only_for_text_outside_the_BMP()
    {
        const string bmp = "中新网北京3月5日电（记者 王小明）２０２５年GDP增长5.2%，❤️ é 好！";
        Assert.Equal(Word(new TokenizerOptions { Version = 1 }).Tokenize(bmp), Word().Tokenize(bmp));
        Assert.NotEqual(Word(new TokenizerOptions { Version = 1 }).Tokenize(Text), Word().Tokenize(Text));
    }

    [Fact]
    public void Nfkc_folds_full_width_forms_before_either_tokenizer()
    {
        var nfkc = new TokenizerOptions { Normalize = TextNormalization.Nfkc };
        Assert.Equal(["ABC123", ",", "!"], Word(nfkc).Tokenize("ＡＢＣ１２３，！"));
        Assert.Equal(["A", "1", "カ", "豈"], Char(nfkc).Tokenize("Ａ１ｶ\uF900"));
        // Chinese text and emoji are left as they are.
        Assert.Equal(Word().Tokenize("今天天气很好" + ThumbsUpMediumSkin + "𠮷"), Word(nfkc).Tokenize("今天天气很好" + ThumbsUpMediumSkin + "𠮷"));
        // Without it, jieba takes full-width letters and digits one by one.
        Assert.Equal(["Ａ", "Ｂ", "Ｃ", "１", "２", "３", "，", "！"], Word().Tokenize("ＡＢＣ１２３，！"));
    }

    [Fact]
    public void Stop_words_are_normalised_like_the_text()
    {
        using var dir = new TempDir();
        var stop = dir.File("stop.txt", "ＡＢＣ\n");
        var tokens = Tokenizers.Create(new TokenizerOptions { Normalize = TextNormalization.Nfkc, StopWords = stop }).Tokenize("ABC好ＡＢＣ");
        Assert.DoesNotContain("ABC", tokens);
    }

    [Fact]
    public void Normalisation_and_version_are_part_of_the_tokenizer_fingerprint()
    {
        var plain = Tokenizers.Fingerprint(new TokenizerOptions());
        Assert.NotEqual(plain, Tokenizers.Fingerprint(new TokenizerOptions { Normalize = TextNormalization.Nfkc }));
        Assert.NotEqual(plain, Tokenizers.Fingerprint(new TokenizerOptions { Version = 1 }));
    }

    [Fact]
    public void Vocabulary_round_trips_every_kind_of_token_the_tokenizers_make()
    {
        using var dir = new TempDir();
        string[] kinds =
        [
            "𠮷", "𩸽", ThumbsUpMediumSkin, ChinaFlag, Family, "❤️", // outside the BMP, and emoji sequences
            "e\u0301", "\u0301", // combining mark, with and without its base
            "\uFFFD", // the replacement character itself
            "\u200B", "\u200D", "\u2060", "\uFEFF", // zero-width characters
            "\uE000", "\U000F0000", // private use, in and outside the BMP
            "<PAD>", "\"引号\"", "a b", // near the reserved names, quotes, an inner space
        ];
        var tokens = Char().Tokenize(Text).Concat(Word().Tokenize(Text)).Concat(kinds).ToArray();
        var vocab = Vocabulary.Build([tokens], new VocabularyOptions { MaxVocab = 0 });
        var path = Path.Combine(dir.Path, "vocab.tsv");
        vocab.Save(path);
        var read = Vocabulary.Load(path);

        Assert.Equal(vocab.Count, read.Count);
        for (var id = 0; id < vocab.Count; id++)
        {
            Assert.Equal(vocab.TokenOf(id), read.TokenOf(id));
            Assert.Equal(vocab.CountOf(id), read.CountOf(id));
        }
        foreach (var token in kinds) Assert.NotEqual(Vocabulary.UnknownId, read.IdOf(token));
    }

    // Escaped: xunit passes theory data through UTF-8, which would turn an unpaired surrogate into U+FFFD.
    [Theory]
    [InlineData(@"\uD842", "surrogate")]
    [InlineData(@"好\uDFB7", "surrogate")]
    [InlineData(@"a\tb", "tab")]
    [InlineData(@"a\nb", "line break")]
    [InlineData(@"a\r", "line break")]
    public void Saving_refuses_a_token_it_could_not_read_back(string escaped, string reason)
    {
        var token = System.Text.RegularExpressions.Regex.Unescape(escaped);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "vocab.tsv");
        var vocab = Vocabulary.Build([["好", token]], new VocabularyOptions { MaxVocab = 0 });

        var e = Assert.Throws<UserInputException>(() => vocab.Save(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(path));
    }
}

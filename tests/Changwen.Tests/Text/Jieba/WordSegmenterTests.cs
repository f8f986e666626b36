using Changwen.Text;
using Changwen.Text.Jieba;

namespace Changwen.Tests.Text.Jieba;

/// <summary>
/// <see cref="WordSegmenter"/> against jieba.NET itself (<see cref="JiebaDictionary"/>) on small texts written here:
/// the raw tokens, whitespace tokens included, must be the same list.
/// </summary>
public class WordSegmenterTests
{
    private static string[] JiebaNet(string text)
    {
        using (JiebaDictionary.Enter(null))
            return JiebaDictionary.Segmenter.Cut(text, cutAll: false, hmm: true).ToArray();
    }

    private static string[] Ours(string text) => WordSegmenter.Jieba.Cut(text).ToArray();

    [Theory]
    [InlineData("我们在北京大学学习自然语言处理，天气很好。")]
    [InlineData("中新网北京3月5日电（记者 王小明）2025年GDP增长5.2%，C++与C#开发者、iPhone用户·张三-李四说：“好！”")]
    [InlineData("Hello world, 这是 mixed 文本 with 123.45 numbers & symbols_here 以及 emoji☺和〇字。")]
    [InlineData("版本v2.0.1发布，下载量达1.5%和3.14%，AT&T与B超、c#及.NET 8.0.100")]
    [InlineData("a.b.c 1.2.3 x1.5%y 12%% .5 5. -3.2 +#&_%·- ·张")]
    [InlineData("第一行\r\n第二行\n第三行\r第四行\n\r\t\u3000全角空格\u00A0不换行空格\u2028行分隔")]
    [InlineData("")]
    [InlineData("   \r\n  ")]
    [InlineData("的")]
    [InlineData("ab")]
    [InlineData("㐀龥\u9FD5\u9FD6\u9FFF\uF900豈")]
    public void Cuts_as_jieba_net_does(string text) => Assert.Equal(JiebaNet(text), Ours(text));

    [Fact]
    public void Keeps_carriage_return_line_feed_as_one_token_and_every_other_whitespace_character_alone()
    {
        Assert.Equal(["你好", "\r\n", "\n", "\r", " ", " ", "世界"], Ours("你好\r\n\n\r  世界"));
    }

    [Fact]
    public void Finds_words_missing_from_the_dictionary_through_the_hmm()
    {
        // Invented given names: not dictionary words, so only the HMM can join their characters.
        const string text = "记者韦晓岚和欧阳澍沣今天在杭州报道";
        var tokens = Ours(text);
        Assert.Equal(JiebaNet(text), tokens);
        Assert.Contains(tokens, t => t.Length > 1 && !IsDictionaryWord(t));
    }

    [Fact]
    public void Splits_latin_letters_and_numbers_in_unknown_runs_as_jiebas_pattern_does()
    {
        foreach (var text in new[] { "型号xq7.25%版", "代号abc.def", "编号a1b2.3c%%d", "值5.5.5", "串x-y+z#w" })
            Assert.Equal(JiebaNet(text), Ours(text));
    }

    [Fact]
    public void Cuts_astral_characters_into_utf16_halves_like_jieba_net()
    {
        // What jieba does with characters outside the BMP; the tokenizer (version 2) keeps them whole around this.
        const string text = "𠮷野家的𩸽很好吃😘👍🏽";
        Assert.Equal(JiebaNet(text), Ours(text));
        Assert.Equal(["\uD842", "\uDFB7", "野家"], Ours("𠮷野家"));
    }

    [Fact]
    public void Random_mixtures_cut_as_jieba_net_does()
    {
        // Han characters common and rare, Latin, digits, jieba's block punctuation, whitespace and astral characters,
        // in random order: the block splitting, the route's ties and the HMM's letter-and-digit pattern all get exercised.
        const string alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高月" +
                                "乾坤鑫淼犇骉猋麤龘氹凼嬲亓丨丶乂乜亍仝仡仫仵伛佘佟佶侃侗俅俜俳倜倥倨偃偈偕偬偻傥傧傩傺僖儆" +
                                "abcxyzABCXYZ0123456789+#&._%·-，。！？：；“”（）《》、…—　 \t\n\r\u00A0%..";
        var random = new Random(20261207);
        for (var i = 0; i < 3000; i++)
        {
            var length = random.Next(1, 60);
            var chars = new char[length];
            for (var k = 0; k < length; k++) chars[k] = alphabet[random.Next(alphabet.Length)];
            var text = new string(chars);
            if (random.Next(10) == 0) text = text.Insert(random.Next(text.Length + 1), "𠮷");
            Assert.Equal(JiebaNet(text), Ours(text));
        }
    }

    [Fact]
    public void Cuts_blocks_longer_than_its_kept_scratch_space_as_jieba_net_does()
    {
        // One block of 76,000 characters (no punctuation), and an unknown run of 20,000 for the HMM: both past the
        // sizes the segmenter keeps per thread.
        var words = string.Concat(Enumerable.Repeat("我们在北京大学学习自然语言处理天气很好", 4000));
        Assert.Equal(JiebaNet(words), Ours(words));
        var unknown = new string('亍', 20_000);
        var tokens = Ours(unknown);
        Assert.Equal(JiebaNet(unknown), tokens);
        Assert.Equal(unknown, string.Concat(tokens));
    }

    [Fact]
    public void Loads_the_same_dictionary_total_as_jieba_net()
    {
        using (JiebaDictionary.Enter(null))
            Assert.Equal(global::JiebaNet.Segmenter.WordDictionary.Instance.Total, WordSegmenter.Jieba.DictionaryTotal);
    }

    private static bool IsDictionaryWord(string word)
    {
        using (JiebaDictionary.Enter(null))
            return global::JiebaNet.Segmenter.WordDictionary.Instance.ContainsWord(word);
    }
}

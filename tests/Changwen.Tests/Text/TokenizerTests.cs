using Changwen.Text;

namespace Changwen.Tests.Text;

public class TokenizerTests
{
    private const string Sentence = "我们在北京大学学习自然语言处理，天气很好。";

    [Fact]
    public void Word_tokenizer_keeps_dictionary_words_whole_and_drops_whitespace()
    {
        var tokens = Tokenizers.Create(new TokenizerOptions()).Tokenize("我们 在北京大学\t学习\n自然语言处理，天气很好。");
        Assert.Contains("北京大学", tokens);
        Assert.Contains("自然语言", tokens);
        Assert.Contains("学习", tokens);
        Assert.Contains("，", tokens);
        Assert.DoesNotContain(tokens, t => string.IsNullOrWhiteSpace(t));
        Assert.Equal("我们在北京大学学习自然语言处理，天气很好。", string.Concat(tokens));
    }

    [Fact]
    public void Char_tokenizer_gives_one_token_per_non_whitespace_character()
    {
        var tokens = Tokenizers.Create(new TokenizerOptions { Kind = TokenizerKind.Char }).Tokenize("长文 分类\r\n好𠀀!");
        Assert.Equal(new[] { "长", "文", "分", "类", "好", "𠀀", "!" }, tokens);
    }

    [Fact]
    public void User_dictionary_changes_the_segmentation_only_for_its_tokenizer()
    {
        using var dir = new TempDir();
        const string text = "他喜欢吃蓝莓芝士蛋糕";
        var plain = Tokenizers.Create(new TokenizerOptions());
        Assert.DoesNotContain("蓝莓芝士蛋糕", plain.Tokenize(text));

        var dict = dir.File("user.txt", "蓝莓芝士蛋糕 100 n\n\n");
        var custom = Tokenizers.Create(new TokenizerOptions { UserDictionary = dict });
        Assert.Contains("蓝莓芝士蛋糕", custom.Tokenize(text));
        // jieba's dictionary is process-wide: the plain tokenizer must not see the other's words.
        Assert.DoesNotContain("蓝莓芝士蛋糕", plain.Tokenize(text));
        Assert.Contains("蓝莓芝士蛋糕", custom.Tokenize(text));
    }

    [Fact]
    public void User_dictionary_word_without_frequency_is_kept_whole()
    {
        using var dir = new TempDir();
        var dict = dir.File("user.txt", "云端长文分类器\n");
        var tokens = Tokenizers.Create(new TokenizerOptions { UserDictionary = dict }).Tokenize("我们训练云端长文分类器吧");
        Assert.Contains("云端长文分类器", tokens);
    }

    [Fact]
    public void Stop_words_are_dropped()
    {
        using var dir = new TempDir();
        var stop = dir.File("stop.txt", "的\r\n了\n\n，\n");
        var tokens = Tokenizers.Create(new TokenizerOptions { StopWords = stop }).Tokenize("今天的天气好了，我们去公园");
        Assert.DoesNotContain("的", tokens);
        Assert.DoesNotContain("了", tokens);
        Assert.DoesNotContain("，", tokens);
        Assert.Contains("天气", tokens);

        var chars = Tokenizers.Create(new TokenizerOptions { Kind = TokenizerKind.Char, StopWords = stop }).Tokenize("好的了");
        Assert.Equal(new[] { "好" }, chars);
    }

    [Fact]
    public void Missing_user_dictionary_or_stop_word_file_is_a_user_error_naming_it()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nope.txt");
        var e1 = Assert.Throws<UserInputException>(() => Tokenizers.Create(new TokenizerOptions { UserDictionary = missing }));
        Assert.Contains(missing, e1.Message);
        var e2 = Assert.Throws<UserInputException>(() => Tokenizers.Create(new TokenizerOptions { StopWords = missing }));
        Assert.Contains(missing, e2.Message);
        Assert.DoesNotContain('\n', e1.Message);
    }

    [Fact]
    public void Malformed_user_dictionary_line_is_refused_with_its_line_number()
    {
        using var dir = new TempDir();
        var dict = dir.File("user.txt", "好词 5 n\n坏词 很多 n\n");
        var e = Assert.Throws<UserInputException>(() => Tokenizers.Create(new TokenizerOptions { UserDictionary = dict }));
        Assert.StartsWith(dict + ":2:", e.Message);
    }

    [Fact]
    public void Parallel_calls_give_the_same_tokens_as_sequential_ones()
    {
        using var dir = new TempDir();
        var texts = Enumerable.Range(0, 200)
            .Select(i => $"第{i}条新闻：{Sentence}蓝莓芝士蛋糕在上海很受欢迎，价格{i * 3}元。")
            .ToArray();
        var plain = Tokenizers.Create(new TokenizerOptions());
        var custom = Tokenizers.Create(new TokenizerOptions { UserDictionary = dir.File("user.txt", "蓝莓芝士蛋糕 100\n") });
        var expectedPlain = texts.Select(plain.Tokenize).ToArray();
        var expectedCustom = texts.Select(custom.Tokenize).ToArray();

        // Both tokenizers at once, from many threads: the dictionary switches must never leak into a cut.
        var results = texts.Select((t, i) => (i, t)).Concat(texts.Select((t, i) => (i: i + texts.Length, t)))
            .AsParallel().WithDegreeOfParallelism(8)
            .Select(x => (x.i, tokens: x.i < texts.Length ? plain.Tokenize(x.t) : custom.Tokenize(x.t)))
            .ToArray();
        foreach (var (i, tokens) in results)
            Assert.Equal(i < texts.Length ? expectedPlain[i] : expectedCustom[i - texts.Length], tokens);
        Assert.Contains("蓝莓芝士蛋糕", expectedCustom[0]);
        Assert.DoesNotContain("蓝莓芝士蛋糕", expectedPlain[0]);
    }

    [Fact]
    public void Word_tokenizer_gives_exactly_jiebas_precise_cut_without_whitespace()
    {
        string[] texts =
        [
            "中新网北京3月5日电（记者 王小明）2025年GDP增长5.2%，C++与C#开发者、iPhone用户·张三-李四说：“好！”",
            "中新网北京3月5日电 国家统计局今天发布数据，居民消费价格同比上涨0.7%。\r\n\t  第二段　全角空格后的文字……",
            // Characters outside the BMP are left out here: jieba alone cuts them in half (AstralTextTests).
            "Hello world, 这是 mixed 文本 with 123.45 numbers & symbols_here 以及 emoji☺和〇字。",
            "",
            "   ",
        ];
        var tokenizer = Tokenizers.Create(new TokenizerOptions());
        var jieba = JiebaDictionary.Segmenter;
        foreach (var text in texts.Concat(texts))
        {
            string[] expected;
            using (JiebaDictionary.Enter(null))
                expected = jieba.Cut(text, cutAll: false, hmm: true).Where(w => !string.IsNullOrWhiteSpace(w)).ToArray();
            Assert.Equal(expected, tokenizer.Tokenize(text));
        }
    }
}

using Changwen.Text;

namespace Changwen.Tests.Text.Jieba;

/// <summary>
/// The word tokenizer (now cutting with <see cref="Changwen.Text.Jieba.WordSegmenter"/>) against the same tokenizer
/// cutting with jieba.NET (<see cref="JiebaNetTokenizer"/>): user dictionaries, stop words, both tokenizer versions.
/// </summary>
public class JiebaTokenizerIdentityTests
{
    private static readonly string[] Texts =
    [
        "他喜欢吃蓝莓芝士蛋糕，也在学C语言编程和iPhone十五的云端长文分类器。",
        "北京大学的自然语言处理实验室发布了长文分类器2.0版，AT&T和B超都不相干。",
        "王小明说：“云计算与大数据是未来”，韦晓岚则认为长文·分类才是重点。\r\n第二行 在这里",
        "我们训练云端长文分类器吧，蓝莓芝士蛋糕很好吃，蓝莓很甜，芝士很香。",
        "𠮷野家的𩸽很好吃😘👍🏽，云端长文分类器🇨🇳也好用。",
    ];

    [Fact]
    public void User_words_with_and_without_frequencies_cut_as_jieba_net_adds_them()
    {
        using var dir = new TempDir();
        // Frequencies given, suggested (none, or 0), tags, a word jieba already knows (北京大学) set lower, a word listed
        // twice (the last wins), words with Latin letters, digits and the middle dot.
        var path = dir.File("user.txt", string.Join("\n",
            "蓝莓芝士蛋糕 100 n", "云端长文分类器", "长文分类器 0", "C语言编程 nz", "iPhone十五 7", "北京大学 1",
            "长文·分类", "云计算 3 n", "云计算", "芝士 5", "实验室发布", "2.0版 2", "韦晓岚 20 nr", "第二行在") + "\n");
        AssertSameTokens(new TokenizerOptions { UserDictionary = path });
    }

    [Fact]
    public void Stop_words_and_both_versions_cut_as_with_jieba_net()
    {
        using var dir = new TempDir();
        var stop = dir.File("stop.txt", "的\n，\n很\n");
        AssertSameTokens(new TokenizerOptions { StopWords = stop });
        AssertSameTokens(new TokenizerOptions { Version = 1 });
        AssertSameTokens(new TokenizerOptions { Version = 2 });
    }

    [Fact]
    public void Tokenizers_with_different_user_words_live_side_by_side()
    {
        using var dir = new TempDir();
        var a = dir.File("a.txt", "蓝莓芝士蛋糕\n");
        var b = dir.File("b.txt", "芝士蛋糕 50\n吃蓝莓 9\n");
        var plain = Tokenizers.Create(new TokenizerOptions());
        var first = Tokenizers.Create(new TokenizerOptions { UserDictionary = a });
        var second = Tokenizers.Create(new TokenizerOptions { UserDictionary = b });
        const string text = "他喜欢吃蓝莓芝士蛋糕";
        Assert.Contains("蓝莓芝士蛋糕", first.Tokenize(text));
        Assert.Contains("吃蓝莓", second.Tokenize(text));
        Assert.DoesNotContain("蓝莓芝士蛋糕", plain.Tokenize(text));
        AssertSameTokens(new TokenizerOptions { UserDictionary = a });
        AssertSameTokens(new TokenizerOptions { UserDictionary = b });
    }

    private static void AssertSameTokens(TokenizerOptions options)
    {
        var userDictionary = options.UserDictionary is null ? null : UserDictionary.Load(options.UserDictionary);
        var stopWords = options.StopWords is null ? null : Tokenizers.LoadStopWords(options.StopWords);
        var reference = new JiebaNetTokenizer(userDictionary, stopWords, options.Version);
        var tokenizer = Tokenizers.Create(options);
        foreach (var text in Texts) Assert.Equal(reference.Tokenize(text), tokenizer.Tokenize(text));
    }
}

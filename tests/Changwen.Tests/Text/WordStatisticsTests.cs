using Changwen.Text;

namespace Changwen.Tests.Text;

public sealed class WordStatisticsTests
{
    [Theory]
    [InlineData(7, 10)]
    [InlineData(73, 75)]
    [InlineData(75, 75)]
    [InlineData(437, 450)]
    [InlineData(1234, 1500)]
    public void Suggested_max_len_is_the_p95_rounded_up_to_half_its_leading_power_of_ten(int p95, int expected) =>
        Assert.Equal(expected, WordStatistics.SuggestMaxLen(p95));

    [Fact]
    public void Unknown_rate_counts_val_and_test_tokens_missing_from_the_train_vocabulary()
    {
        TokenizedDocument Doc(params string[] tokens) => new("甲", tokens, tokens.Length, "x");
        var corpus = new TokenizedCorpus(["甲"], [Doc("一", "二", "二"), Doc("三")], [Doc("一", "四")], []);

        var stats = WordStatistics.Of(corpus, new VocabularyOptions { MinCount = 2 }); // only 二 is kept

        Assert.Equal(1.0, stats.UnknownRate.Val); // 一 and 四 are both unknown with min-count 2
        Assert.Null(stats.UnknownRate.Test);
        Assert.Equal(3, stats.WordLength.Max);
        Assert.Equal(0.5, WordStatistics.Of(corpus, new VocabularyOptions()).UnknownRate.Val);
    }
}

using Changwen.Tfidf;

namespace Changwen.Tests.Tfidf;

public class LinearSampleTests
{
    [Fact]
    public void Every_document_is_read_when_the_tokens_are_within_the_bound()
    {
        Assert.All(LinearSample.Choose([10, 20, 30], 60, seed: 1), Assert.True);
        Assert.All(LinearSample.AtRate(5, 1.0, seed: 1), Assert.True);
    }

    [Fact]
    public void Beyond_the_bound_a_seeded_sample_stops_at_the_first_document_that_reaches_it()
    {
        var counts = Enumerable.Range(0, 1000).Select(i => 5 + i % 17).ToArray();
        var chosen = LinearSample.Choose(counts, 2_000, seed: 42);
        var tokens = counts.Where((_, i) => chosen[i]).Sum();
        Assert.InRange(tokens, 2_000, 2_000 + 21 - 1);
        Assert.Equal(chosen, LinearSample.Choose(counts, 2_000, seed: 42));
        Assert.NotEqual(chosen, LinearSample.Choose(counts, 2_000, seed: 43));
        // Spread over the corpus, not its head: documents from both halves are chosen.
        Assert.Contains(true, chosen.Take(500));
        Assert.Contains(true, chosen.Skip(500));

        var val = LinearSample.AtRate(200, 0.25, seed: 7);
        Assert.Equal(50, val.Count(v => v));
        Assert.Equal(val, LinearSample.AtRate(200, 0.25, seed: 7));
    }
}

using Changwen.Training;

namespace Changwen.Tests.Training;

public sealed class ClassBalanceTests
{
    [Fact]
    public void Balanced_class_weights_are_n_over_classes_times_count_as_in_sklearn()
    {
        // 6 of class 0, 3 of class 1, 1 of class 2, none of class 3: n = 10, C = 4.
        int[] labels = [0, 0, 1, 0, 2, 0, 1, 0, 1, 0];
        var weights = ClassWeights.Balanced(labels, numClasses: 4);
        Assert.Equal(10.0 / (4 * 6), weights[0], 6);
        Assert.Equal(10.0 / (4 * 3), weights[1], 6);
        Assert.Equal(10.0 / (4 * 1), weights[2], 6);
        Assert.Equal(1f, weights[3]); // no training document carries it
        // Every class present contributes the same total weight.
        Assert.Equal(weights[0] * 6, weights[2] * 1, 5);
    }

    [Fact]
    public void Balanced_sampler_draws_classes_about_equally_and_is_seeded_per_epoch()
    {
        // 900 / 90 / 10 documents.
        var labels = Enumerable.Repeat(0, 900).Concat(Enumerable.Repeat(1, 90)).Concat(Enumerable.Repeat(2, 10)).ToArray();
        var draw = BatchOrder.BalancedDraw(labels, numClasses: 3, seed: 5, epoch: 1);
        Assert.Equal(labels.Length, draw.Length);
        var perClass = draw.GroupBy(row => labels[row]).ToDictionary(g => g.Key, g => g.Count());
        foreach (var c in new[] { 0, 1, 2 }) Assert.InRange(perClass[c], 290, 377); // 333 ± 5 standard deviations
        Assert.True(draw.Where(row => labels[row] == 2).Distinct().Count() == 10); // every small-class document comes up

        Assert.Equal(draw, BatchOrder.BalancedDraw(labels, 3, seed: 5, epoch: 1));
        Assert.NotEqual(draw, BatchOrder.BalancedDraw(labels, 3, seed: 5, epoch: 2));
        Assert.NotEqual(draw, BatchOrder.BalancedDraw(labels, 3, seed: 6, epoch: 1));
    }

    [Fact]
    public void Bucketing_a_balanced_draw_batches_exactly_the_drawn_rows_by_length()
    {
        var labels = Enumerable.Range(0, 500).Select(i => i < 450 ? 0 : 1).ToArray();
        var lengths = Enumerable.Range(0, 500).Select(i => 1 + i * 7 % 300).ToArray();
        var draw = BatchOrder.BalancedDraw(labels, 2, seed: 1, epoch: 3);
        var batches = BatchOrder.Bucketed(draw, lengths, batchSize: 10, shuffle: true, seed: 1, epoch: 3);
        Assert.Equal(draw.Order(), batches.SelectMany(b => b).Order());
        Assert.All(batches, b => Assert.True(b.Length <= 10));
        // Sorted within chunks: a batch spans a narrow range of lengths compared with the whole draw.
        var medianSpread = batches.Select(b => b.Max(r => lengths[r]) - b.Min(r => lengths[r])).Order().ElementAt(batches.Count / 2);
        Assert.True(medianSpread < 30, $"median length spread in a batch {medianSpread}");
    }
}

using Changwen.Data;
using Changwen.Models;
using Changwen.Training;

namespace Changwen.Tests.Training;

public sealed class BucketingTests
{
    private static int[] RandomLengths(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(1, 501)).ToArray();
    }

    private static double MeanLengthRange(IEnumerable<int[]> batches, int[] lengths) =>
        batches.Average(b => b.Max(r => lengths[r]) - b.Min(r => lengths[r]));

    [Fact]
    public void Bucketing_visits_every_document_exactly_once_per_epoch_in_batches_of_similar_length()
    {
        var lengths = RandomLengths(2_345, seed: 1);
        foreach (var shuffle in new[] { true, false })
        {
            var batches = BatchOrder.Bucketed(lengths, batchSize: 16, shuffle, seed: 3, epoch: 1);

            Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => b).Order());
            Assert.Equal(BatchOrder.Count(lengths.Length, 16), batches.Count);
            Assert.Single(batches, b => b.Length != 16);
            // 800 documents per chunk over lengths 1..500: a batch of 16 spans about 10 lengths; random batches span ~440.
            var random = BatchOrder.Slices(BatchOrder.ForEpoch(lengths.Length, true, 3, 1), 16).Select(s => s.ToArray());
            Assert.True(MeanLengthRange(batches, lengths) < 20, $"bucketed range {MeanLengthRange(batches, lengths)}");
            Assert.True(MeanLengthRange(random, lengths) > 300);
        }
    }

    [Fact]
    public void Bucketed_batches_depend_only_on_seed_and_epoch()
    {
        var lengths = RandomLengths(1_000, seed: 2);
        var first = BatchOrder.Bucketed(lengths, 8, shuffle: true, seed: 5, epoch: 2);
        Assert.Equal(first, BatchOrder.Bucketed(lengths, 8, shuffle: true, seed: 5, epoch: 2));
        Assert.NotEqual(first, BatchOrder.Bucketed(lengths, 8, shuffle: true, seed: 5, epoch: 3));
        Assert.NotEqual(first, BatchOrder.Bucketed(lengths, 8, shuffle: true, seed: 6, epoch: 2));
        // The batch order is shuffled too: not short to long.
        var firstLengths = first.Select(b => b.Min(r => lengths[r])).ToList();
        Assert.NotEqual(firstLengths.Order(), firstLengths);
    }

    // Three documents of lengths 2, 4 and 1 in rows of 6.
    private static EncodedDataset Padded(bool prePadded) => prePadded
        ? new EncodedDataset(6, [0, 0, 0, 0, 5, 6, 0, 0, 7, 8, 9, 10, 0, 0, 0, 0, 0, 11], [2, 4, 1], [0, 1, 2])
        : new EncodedDataset(6, [5, 6, 0, 0, 0, 0, 7, 8, 9, 10, 0, 0, 11, 0, 0, 0, 0, 0], [2, 4, 1], [0, 1, 2]);

    [Fact]
    public void A_trimmed_post_padded_batch_is_cut_on_the_right_to_its_longest_document()
    {
        var data = Padded(prePadded: false);
        using var batch = Batch.Create(data, [2, 0], trimPadding: true);
        Assert.Equal(new long[] { 2, 2 }, batch.Ids.shape);
        Assert.Equal(new long[] { 11, 0, 5, 6 }, batch.Ids.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, batch.Lengths.data<long>().ToArray());

        using var all = Batch.Create(data, [0, 1, 2], trimPadding: true);
        Assert.Equal(new long[] { 3, 4 }, all.Ids.shape);
        using var untrimmed = Batch.Create(data, [2, 0]);
        Assert.Equal(new long[] { 2, 6 }, untrimmed.Ids.shape);
    }

    [Fact]
    public void A_trimmed_pre_padded_batch_is_cut_on_the_left_to_its_longest_document()
    {
        using var batch = Batch.Create(Padded(prePadded: true), [2, 0], trimPadding: true);
        Assert.Equal(new long[] { 2, 2 }, batch.Ids.shape);
        Assert.Equal(new long[] { 0, 11, 5, 6 }, batch.Ids.data<long>().ToArray());
    }

    [Fact]
    public void A_trimmed_batch_keeps_the_width_the_model_needs_by_widening_into_the_padding()
    {
        using var post = Batch.Create(Padded(prePadded: false), [2, 0], trimPadding: true, minWidth: 5);
        Assert.Equal(new long[] { 11, 0, 0, 0, 0, 5, 6, 0, 0, 0 }, post.Ids.data<long>().ToArray());
        using var pre = Batch.Create(Padded(prePadded: true), [2, 0], trimPadding: true, minWidth: 5);
        Assert.Equal(new long[] { 0, 0, 0, 0, 11, 0, 0, 0, 5, 6 }, pre.Ids.data<long>().ToArray());
        var empty = new EncodedDataset(4, [0, 0, 0, 0], [0], [1]);
        using var none = Batch.Create(empty, [0], trimPadding: true, minWidth: 2);
        Assert.Equal(new long[] { 1, 2 }, none.Ids.shape);
    }
}

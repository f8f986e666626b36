using Changwen.Data;
using Changwen.Models;
using Changwen.Training;
using static TorchSharp.torch;

namespace Changwen.Tests.Training;

public sealed class BatchTests
{
    [Fact]
    public void Without_shuffle_batches_follow_dataset_order_and_the_last_one_is_smaller()
    {
        var order = BatchOrder.ForEpoch(10, shuffle: false, seed: 1, epoch: 3);
        Assert.Equal(Enumerable.Range(0, 10), order);
        var slices = BatchOrder.Slices(order, 4).Select(s => s.ToArray()).ToList();
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], slices);
        Assert.Equal(3, BatchOrder.Count(10, 4));
    }

    [Fact]
    public void Shuffle_depends_only_on_seed_and_epoch()
    {
        var first = BatchOrder.ForEpoch(100, shuffle: true, seed: 7, epoch: 2);
        Assert.Equal(first, BatchOrder.ForEpoch(100, shuffle: true, seed: 7, epoch: 2));
        Assert.NotEqual(first, BatchOrder.ForEpoch(100, shuffle: true, seed: 7, epoch: 3));
        Assert.NotEqual(first, BatchOrder.ForEpoch(100, shuffle: true, seed: 8, epoch: 2));
        Assert.NotEqual(Enumerable.Range(0, 100), first);
        Assert.Equal(Enumerable.Range(0, 100), first.Order());
    }

    [Fact]
    public void A_batch_holds_the_chosen_rows_as_int64_tensors()
    {
        var data = new EncodedDataset(3, [1, 2, 0, 3, 4, 5, 6, 0, 0], [2, 3, 1], [0, 1, 2]);
        using var batch = Batch.Create(data, [2, 0]);
        Assert.Equal(ScalarType.Int64, batch.Ids.dtype);
        Assert.Equal(new long[] { 2, 3 }, batch.Ids.shape);
        Assert.Equal(new long[] { 6, 0, 0, 1, 2, 0 }, batch.Ids.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, batch.Lengths.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 0 }, batch.Labels.data<long>().ToArray());
    }
}

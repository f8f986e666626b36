using Changwen.Data;
using static TorchSharp.torch;

namespace Changwen.Training;

/// <summary>One mini-batch as tensors: ids <c>[B,T]</c>, true lengths <c>[B]</c> and labels <c>[B]</c>, all int64.</summary>
public sealed class Batch : IDisposable
{
    private Batch(Tensor ids, Tensor lengths, Tensor labels)
    {
        Ids = ids;
        Lengths = lengths;
        Labels = labels;
    }

    public Tensor Ids { get; }
    public Tensor Lengths { get; }
    public Tensor Labels { get; }
    public int Size => (int)Lengths.shape[0];

    /// <summary>Copies the rows <paramref name="rows"/> of <paramref name="data"/> into one buffer per tensor.</summary>
    public static Batch Create(EncodedDataset data, ReadOnlySpan<int> rows)
    {
        var maxLen = data.MaxLen;
        var ids = new long[rows.Length * maxLen];
        var lengths = new long[rows.Length];
        var labels = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var source = data.Row(rows[i]);
            var target = ids.AsSpan(i * maxLen, maxLen);
            for (var t = 0; t < maxLen; t++) target[t] = source[t];
            lengths[i] = data.Lengths[rows[i]];
            labels[i] = data.Labels[rows[i]];
        }
        return new Batch(
            tensor(ids, [rows.Length, maxLen]),
            tensor(lengths, [rows.Length]),
            tensor(labels, [rows.Length]));
    }

    public void Dispose()
    {
        Ids.Dispose();
        Lengths.Dispose();
        Labels.Dispose();
    }
}

/// <summary>The order in which a dataset's rows are visited, cut into mini-batches.</summary>
public static class BatchOrder
{
    /// <summary>
    /// Row indices for one epoch: dataset order, or a shuffle that depends only on (<paramref name="seed"/>,
    /// <paramref name="epoch"/>) so a resumed run visits the rows exactly as an uninterrupted one would.
    /// </summary>
    public static int[] ForEpoch(int count, bool shuffle, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        if (shuffle) new Random(EpochSeed(seed, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>Consecutive slices of <paramref name="order"/> of at most <paramref name="batchSize"/> rows; the last may be smaller.</summary>
    public static IEnumerable<ArraySegment<int>> Slices(int[] order, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        for (var start = 0; start < order.Length; start += batchSize)
            yield return new ArraySegment<int>(order, start, Math.Min(batchSize, order.Length - start));
    }

    /// <summary>Number of mini-batches in an epoch of <paramref name="count"/> rows.</summary>
    public static int Count(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    // HashCode.Combine is randomised per process, so mix the pair with fixed arithmetic instead.
    internal static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch * 7919);
}

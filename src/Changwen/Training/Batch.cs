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
    /// <param name="trimPadding">
    /// Drop the columns that are padding in every row, so the batch is as wide as its longest document: with
    /// post-padding the right-hand columns go, with pre-padding the left-hand ones (found from the ids, so the pad side
    /// need not be told). Used with length bucketing.
    /// </param>
    /// <param name="minWidth">The narrowest batch the model takes (<c>MinSequenceLength</c>); a trimmed batch keeps that
    /// many columns, widened into the padding.</param>
    public static Batch Create(EncodedDataset data, ReadOnlySpan<int> rows, bool trimPadding = false, int minWidth = 1)
    {
        var maxLen = data.MaxLen;
        var rowIds = data.ReadRows(rows);
        var (first, width) = trimPadding ? RealColumns(rowIds, rows.Length, maxLen, minWidth) : (0, maxLen);
        var ids = new long[rows.Length * width];
        var lengths = new long[rows.Length];
        var labels = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var source = rowIds.AsSpan(i * maxLen + first, width);
            var target = ids.AsSpan(i * width, width);
            for (var t = 0; t < width; t++) target[t] = source[t];
            lengths[i] = data.Lengths[rows[i]];
            labels[i] = data.Labels[rows[i]];
        }
        return new Batch(
            tensor(ids, [rows.Length, width]),
            tensor(lengths, [rows.Length]),
            tensor(labels, [rows.Length]));
    }

    /// <summary>The span of columns holding a word in at least one of the rows, widened to at least <paramref name="minWidth"/>.</summary>
    private static (int First, int Width) RealColumns(int[] rowIds, int rowCount, int maxLen, int minWidth)
    {
        minWidth = Math.Clamp(minWidth, 1, maxLen);
        int first = maxLen, last = -1;
        for (var row = 0; row < rowCount; row++)
        {
            var ids = rowIds.AsSpan(row * maxLen, maxLen);
            var rowFirst = ids.IndexOfAnyExcept(0);
            if (rowFirst < 0) continue; // an empty document
            first = Math.Min(first, rowFirst);
            last = Math.Max(last, ids.LastIndexOfAnyExcept(0));
        }
        if (last < 0) (first, last) = (0, -1);
        // Too narrow: widen to the right while there are columns (post-padding), then to the left (pre-padding).
        var missing = minWidth - (last - first + 1);
        if (missing > 0)
        {
            var right = Math.Min(missing, maxLen - 1 - last);
            last += right;
            first -= missing - right;
        }
        return (first, last - first + 1);
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

    /// <summary>How many batches' worth of documents are sorted by length together when bucketing.</summary>
    public const int BucketChunkBatches = 50;

    /// <summary>
    /// Length-bucketed mini-batches for one epoch: the rows are shuffled (by seed and epoch, as
    /// <see cref="ForEpoch"/>), cut into chunks of <see cref="BucketChunkBatches"/> × <paramref name="batchSize"/>,
    /// each chunk sorted by true length and cut into batches, and the batches shuffled. Every row comes exactly once;
    /// each batch holds documents of similar length, and only the final chunk's last batch may be smaller. Without
    /// <paramref name="shuffle"/> the chunks follow dataset order and the batches keep their order.
    /// </summary>
    public static List<int[]> Bucketed(IReadOnlyList<int> lengths, int batchSize, bool shuffle, int seed, int epoch)
    {
        var random = new Random(EpochSeed(seed, epoch));
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        if (shuffle) random.Shuffle(order);
        return BucketedBatches(order, lengths, batchSize, shuffle, random);
    }

    /// <summary>
    /// As <see cref="Bucketed(IReadOnlyList{int}, int, bool, int, int)"/>, over the rows an epoch visits in the order
    /// given (e.g. a <see cref="BalancedDraw"/>, which is already random): chunks of <paramref name="rows"/>, each sorted
    /// by length and cut into batches, the batches shuffled when <paramref name="shuffle"/>.
    /// </summary>
    public static List<int[]> Bucketed(int[] rows, IReadOnlyList<int> lengths, int batchSize, bool shuffle, int seed, int epoch)
    {
        var random = new Random(EpochSeed(seed, epoch) ^ 0x5bd1e995); // not the generator that drew or shuffled the rows
        return BucketedBatches(rows, lengths, batchSize, shuffle, random);
    }

    private static List<int[]> BucketedBatches(int[] order, IReadOnlyList<int> lengths, int batchSize, bool shuffle, Random random)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        var chunkSize = batchSize * BucketChunkBatches;
        var batches = new List<int[]>(Count(order.Length, batchSize));
        foreach (var chunk in order.Chunk(chunkSize))
            // OrderBy is stable, so equal lengths keep their shuffled order.
            batches.AddRange(chunk.OrderBy(row => lengths[row]).Chunk(batchSize));
        if (shuffle) random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches));
        return batches;
    }

    /// <summary>
    /// The rows of one epoch of the balanced sampler: as many draws as there are rows, with replacement, each row drawn
    /// with probability proportional to 1 / (its class's count), so every class present is equally likely. Seeded by
    /// (<paramref name="seed"/>, <paramref name="epoch"/>), like <see cref="ForEpoch"/>, so a resumed run draws the same.
    /// </summary>
    public static int[] BalancedDraw(IReadOnlyList<int> labels, int numClasses, int seed, int epoch)
    {
        var byClass = new List<int>[numClasses];
        for (var c = 0; c < numClasses; c++) byClass[c] = [];
        for (var row = 0; row < labels.Count; row++) byClass[labels[row]].Add(row);
        var present = byClass.Where(rows => rows.Count > 0).ToArray();
        var random = new Random(EpochSeed(seed, epoch));
        var draw = new int[labels.Count];
        // Class first (uniform over the classes present), then a row of it (uniform): the same distribution, exactly.
        for (var i = 0; i < draw.Length; i++)
        {
            var rows = present[random.Next(present.Length)];
            draw[i] = rows[random.Next(rows.Count)];
        }
        return draw;
    }

    // HashCode.Combine is randomised per process, so mix the pair with fixed arithmetic instead.
    internal static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch * 7919);
}

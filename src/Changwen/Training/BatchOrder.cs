namespace Changwen.Training;

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

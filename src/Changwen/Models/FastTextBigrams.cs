namespace Changwen.Models;

/// <summary>
/// fastText's word bigrams on the host: the FNV-1a bucket of two adjacent vocabulary ids, the bags
/// <see cref="FastText"/> feeds its EmbeddingBags, and the per-column buckets an exported graph takes as its
/// <c>bigram_buckets</c> input. Plain arithmetic on ids, apart from the TorchSharp module, so that ONNX Runtime
/// scoring hashes exactly as the libtorch model does without touching a libtorch type.
/// </summary>
public static class FastTextBigrams
{
    /// <summary>FNV-1a 64-bit offset basis and prime.</summary>
    private const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    /// <summary>
    /// The bucket of the bigram (<paramref name="first"/>, <paramref name="second"/>) of vocabulary ids: FNV-1a 64-bit
    /// over the 16 bytes of the two ids as little-endian 64-bit integers (first, then second), modulo
    /// <paramref name="buckets"/>. A fixed function of the ids, so buckets are the same in every run and process (a
    /// saved model and every export depend on it; never change it).
    /// </summary>
    public static int Bucket(long first, long second, int buckets)
    {
        var hash = FnvOffset;
        foreach (var id in (ReadOnlySpan<long>)[first, second])
        {
            var value = (ulong)id;
            for (var b = 0; b < 8; b++)
            {
                hash ^= (value >> (8 * b)) & 0xff;
                hash *= FnvPrime;
            }
        }
        return (int)(hash % (ulong)buckets);
    }

    /// <summary>One bag per document, flat, in EmbeddingBag's input + offsets form.</summary>
    /// <param name="Words">The real word ids of every document, document after document.</param>
    /// <param name="WordOffsets">Where each document's words start in <paramref name="Words"/> ([B]).</param>
    /// <param name="Bigrams">The bigram buckets of every document, document after document (empty without bigrams).</param>
    /// <param name="BigramOffsets">Where each document's bigrams start ([B]).</param>
    /// <param name="Counts">Words + bigrams of each document: the divisor of the mean ([B]).</param>
    public sealed record Bags(long[] Words, long[] WordOffsets, long[] Bigrams, long[] BigramOffsets, float[] Counts);

    /// <summary>
    /// The bags of a padded batch of <paramref name="rows"/> rows of <paramref name="width"/> ids: the non-zero ids of
    /// each row in order, and the bucket of each pair of adjacent non-zero ids when <paramref name="buckets"/> is set.
    /// </summary>
    public static Bags BuildBags(ReadOnlySpan<long> ids, int rows, int width, int? buckets)
    {
        CheckShape(ids, rows, width);
        var words = new List<long>(ids.Length);
        var bigrams = new List<long>(buckets is null ? 0 : ids.Length);
        var wordOffsets = new long[rows];
        var bigramOffsets = new long[rows];
        var counts = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            wordOffsets[r] = words.Count;
            bigramOffsets[r] = bigrams.Count;
            var row = ids.Slice(r * width, width);
            for (var t = 0; t < width; t++)
            {
                if (row[t] == 0) continue;
                words.Add(row[t]);
                if (buckets is { } n && StartsBigram(row, t)) bigrams.Add(Bucket(row[t], row[t + 1], n));
            }
            counts[r] = words.Count - wordOffsets[r] + bigrams.Count - bigramOffsets[r];
        }
        return new Bags(words.ToArray(), wordOffsets, bigrams.ToArray(), bigramOffsets, counts);
    }

    /// <summary>
    /// The <c>bigram_buckets</c> input of an exported graph for padded rows of ids (<paramref name="rows"/> ×
    /// <paramref name="width"/>): the bucket of the pair starting at each column, -1 where a pair holds a pad or the row
    /// ends — the same pairs <see cref="BuildBags"/> takes.
    /// </summary>
    public static long[] PerColumn(ReadOnlySpan<long> ids, int rows, int width, int buckets)
    {
        CheckShape(ids, rows, width);
        var result = new long[ids.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = ids.Slice(r * width, width);
            for (var t = 0; t < width; t++)
                result[r * width + t] = row[t] != 0 && StartsBigram(row, t) ? Bucket(row[t], row[t + 1], buckets) : -1;
        }
        return result;
    }

    /// <summary>Column <paramref name="t"/> (a word) is followed by another word in the same row.</summary>
    private static bool StartsBigram(ReadOnlySpan<long> row, int t) => t + 1 < row.Length && row[t + 1] != 0;

    private static void CheckShape(ReadOnlySpan<long> ids, int rows, int width)
    {
        if (ids.Length != rows * width) throw new ArgumentException($"{ids.Length} ids for {rows} rows of {width}");
    }
}

using Changwen.Models;

namespace Changwen.Tests.Models;

/// <summary>fastText's host-side bigram hashing: plain arithmetic on ids, no libtorch.</summary>
public sealed class FastTextBigramsTests
{
    [Theory]
    // Expected values from an independent implementation (Python): FNV-1a 64 over struct.pack('<qq', a, b), mod n.
    [InlineData(2, 3, 100_000, 88388)]
    [InlineData(3, 2, 100_000, 100)]
    [InlineData(1, 1, 100_000, 12933)]
    [InlineData(49999, 2, 100_000, 89037)]
    [InlineData(2, 3, 2_000_000, 288388)]
    [InlineData(12345, 678, 1000, 148)]
    public void Bigram_bucket_is_the_documented_fnv1a_hash_of_the_two_ids(long first, long second, int buckets, int expected)
    {
        Assert.Equal(expected, FastTextBigrams.Bucket(first, second, buckets));
        Assert.Equal(expected, FastTextBigrams.Bucket(first, second, buckets)); // a pure function: the same on every call
    }

    [Fact]
    public void Bags_hold_each_documents_real_words_and_adjacent_bigrams_at_the_right_offsets()
    {
        // Three rows of width 5: post-padded (3 words), empty, pre-padded (2 words).
        long[] ids = [5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 9];
        var bags = FastTextBigrams.BuildBags(ids, rows: 3, width: 5, buckets: 1000);

        Assert.Equal(new long[] { 5, 6, 7, 8, 9 }, bags.Words);
        Assert.Equal(new long[] { 0, 3, 3 }, bags.WordOffsets);
        Assert.Equal(new long[]
        {
            FastTextBigrams.Bucket(5, 6, 1000), FastTextBigrams.Bucket(6, 7, 1000), FastTextBigrams.Bucket(8, 9, 1000),
        }, bags.Bigrams);
        Assert.Equal(new long[] { 0, 2, 2 }, bags.BigramOffsets);
        Assert.Equal(new float[] { 5, 0, 3 }, bags.Counts);

        var wordsOnly = FastTextBigrams.BuildBags(ids, 3, 5, buckets: null);
        Assert.Empty(wordsOnly.Bigrams);
        Assert.Equal(new float[] { 3, 0, 2 }, wordsOnly.Counts);
    }

    [Fact]
    public void Per_column_buckets_mark_the_same_pairs_as_the_bags_and_minus_one_elsewhere()
    {
        long[] ids = [5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 9];
        var columns = FastTextBigrams.PerColumn(ids, rows: 3, width: 5, buckets: 1000);

        Assert.Equal(new long[]
        {
            FastTextBigrams.Bucket(5, 6, 1000), FastTextBigrams.Bucket(6, 7, 1000), -1, -1, -1,
            -1, -1, -1, -1, -1,
            -1, -1, -1, FastTextBigrams.Bucket(8, 9, 1000), -1,
        }, columns);
        Assert.Equal(FastTextBigrams.BuildBags(ids, 3, 5, buckets: 1000).Bigrams, columns.Where(b => b >= 0));
    }
}

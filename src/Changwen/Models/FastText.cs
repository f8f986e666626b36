using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// fastText (Joulin et al. 2016, "Bag of Tricks for Efficient Text Classification"): a document is the mean of the
/// embeddings of its words and (with <c>WordNgrams</c> 2) of its hashed word bigrams, then dropout (if asked) and
/// Linear. Words and bigrams have separate tables (<c>embedding</c> [V,E], <c>ngrams</c> [buckets,E]) so pretrained
/// vectors can fill, and freezing can fix, the word table alone; both are summed by an EmbeddingBag over one bag per
/// document (flat ids + offsets) and divided by the document's count of words and bigrams, which is exactly the mean
/// over the joint bag. Only real tokens enter a bag (id 0 is padding, on either side); a bigram is two adjacent real
/// tokens. Character n-grams are not implemented: the model sees ids, not the words' strings.
/// </summary>
public sealed class FastText : TextClassifierModel
{
    private readonly EmbeddingBag embedding;
    private readonly EmbeddingBag? ngrams;
    private readonly Dropout? dropout;
    private readonly Linear fc;

    public FastText(ModelOptions options, int vocabSize, int numClasses) : base("fasttext", options, vocabSize, numClasses)
    {
        embedding = nn.EmbeddingBag(vocabSize, options.EmbeddingDim, mode: EmbeddingBagMode.Sum);
        if (options.WordNgrams >= 2) ngrams = nn.EmbeddingBag(options.NgramBuckets, options.EmbeddingDim, mode: EmbeddingBagMode.Sum);
        dropout = CreateDropout(options);
        fc = nn.Linear(options.EmbeddingDim, numClasses);
        RegisterComponents();
        // fastText's own initialisation of its input matrix: uniform in ±1/dim.
        using (no_grad())
        {
            var bound = 1.0 / options.EmbeddingDim;
            nn.init.uniform_(embedding.weight, -bound, bound);
            if (ngrams is not null) nn.init.uniform_(ngrams.weight, -bound, bound);
        }
        ApplyFreeze();
    }

    public override Parameter WordEmbeddings => embedding.weight!;

    /// <summary>FNV-1a 64-bit offset basis and prime.</summary>
    private const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    /// <summary>
    /// The bucket of the bigram (<paramref name="first"/>, <paramref name="second"/>) of vocabulary ids: FNV-1a 64-bit
    /// over the 16 bytes of the two ids as little-endian 64-bit integers (first, then second), modulo
    /// <paramref name="buckets"/>. A fixed function of the ids, so buckets are the same in every run and process (a
    /// saved model depends on it; never change it).
    /// </summary>
    public static int BigramBucket(long first, long second, int buckets)
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
        if (ids.Length != rows * width) throw new ArgumentException($"{ids.Length} ids for {rows} rows of {width}");
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
                if (buckets is { } n && t + 1 < width && row[t + 1] != 0) bigrams.Add(BigramBucket(row[t], row[t + 1], n));
            }
            counts[r] = words.Count - wordOffsets[r] + bigrams.Count - bigramOffsets[r];
        }
        return new Bags(words.ToArray(), wordOffsets, bigrams.ToArray(), bigramOffsets, counts);
    }

    /// <summary>The document vectors <c>[B,E]</c>: the mean of each document's word and bigram embeddings (0 for an empty document).</summary>
    public Tensor DocumentVectors(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var rows = (int)ids.shape[0];
        var width = (int)ids.shape[1];
        var host = ids.cpu().contiguous().data<long>().ToArray();
        var bags = BuildBags(host, rows, width, ngrams is null ? null : Options.NgramBuckets);
        var device = ids.device;
        var sum = BagSum(embedding, bags.Words, bags.WordOffsets, rows, device);
        // add(x, alpha) rather than +, whose alpha of 1 is a temporary Scalar (see Scalars).
        if (ngrams is not null) sum = sum.add(BagSum(ngrams, bags.Bigrams, bags.BigramOffsets, rows, device), Scalars.One);
        var counts = tensor(bags.Counts, device: device).clamp_min(Scalars.One).unsqueeze(1);
        return (sum / counts).MoveToOuterDisposeScope();
    }

    private Tensor BagSum(EmbeddingBag table, long[] input, long[] offsets, int rows, Device device)
    {
        // libtorch's embedding_bag takes empty bags, but not an input with no ids at all.
        if (input.Length == 0) return zeros(rows, Options.EmbeddingDim, device: device);
        return table.call(tensor(input, device: device), tensor(offsets, device: device));
    }

    public override Tensor forward(Tensor ids, Tensor lengths)
    {
        CheckInputs(ids, lengths);
        using var scope = NewDisposeScope();
        var features = DocumentVectors(ids);
        if (dropout is not null) features = dropout.call(features);
        return fc.call(features).MoveToOuterDisposeScope();
    }
}

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
/// tokens (see <see cref="FastTextBigrams"/>). Character n-grams are not implemented: the model sees ids, not the words' strings.
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

    /// <summary>The document vectors <c>[B,E]</c>: the mean of each document's word and bigram embeddings (0 for an empty document).</summary>
    public Tensor DocumentVectors(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var rows = (int)ids.shape[0];
        var width = (int)ids.shape[1];
        var host = ids.cpu().contiguous().data<long>().ToArray();
        var bags = FastTextBigrams.BuildBags(host, rows, width, ngrams is null ? null : Options.NgramBuckets);
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

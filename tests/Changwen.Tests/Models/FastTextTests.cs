using Changwen.Models;
using static TorchSharp.torch;

namespace Changwen.Tests.Models;

[Collection("torch")]
public sealed class FastTextTests
{
    private static ModelOptions Options(int wordNgrams = 2, int buckets = 1000, double dropout = 0) => new()
    {
        Kind = ModelKind.Fasttext, EmbeddingDim = 8, WordNgrams = wordNgrams, NgramBuckets = buckets, Dropout = dropout,
    };

    [Fact]
    public void Document_vector_is_the_mean_of_its_word_and_bigram_embeddings()
    {
        using var model = (FastText)ModelFactory.Create(Options(), vocabSize: 12, numClasses: 3, seed: 1);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 2, 3, 4, 0, 0, /**/ 10, 11, 0, 0, 0, /**/ 0, 0, 0, 0, 0 }, [3, 5]);
        var vectors = model.DocumentVectors(ids);

        var words = model.WordEmbeddings;
        var ngrams = model.named_parameters().Single(p => p.name == "ngrams.weight").parameter;
        Tensor Mean(long[] wordIds, (long, long)[] pairs)
        {
            var rows = wordIds.Select(id => words[id]).Concat(pairs.Select(p => ngrams[FastTextBigrams.Bucket(p.Item1, p.Item2, 1000)]));
            return stack(rows.ToArray()).mean([0]);
        }
        Assert.True(allclose(vectors[0], Mean([2, 3, 4], [(2, 3), (3, 4)]), atol: 1e-6));
        Assert.True(allclose(vectors[1], Mean([10, 11], [(10, 11)]), atol: 1e-6));
        Assert.Equal(0f, vectors[2].abs().sum().item<float>()); // an empty document: zeros, not NaN
    }

    [Fact]
    public void Logits_do_not_depend_on_padding_side_or_width()
    {
        using var model = ModelFactory.Create(Options(), vocabSize: 12, numClasses: 3, seed: 2);
        model.eval();
        using var scope = NewDisposeScope();
        var post = model.call(tensor(new long[] { 4, 5, 6, 0, 0, 0 }, [1, 6]), tensor(new long[] { 3 }));
        var pre = model.call(tensor(new long[] { 0, 0, 4, 5, 6 }, [1, 5]), tensor(new long[] { 3 }));
        var bare = model.call(tensor(new long[] { 4, 5, 6 }, [1, 3]), tensor(new long[] { 3 }));
        Assert.True(allclose(post, bare, atol: 1e-6));
        Assert.True(allclose(pre, bare, atol: 1e-6));
    }

    [Fact]
    public void Words_only_has_no_bigram_table_and_maps_a_batch_to_logits()
    {
        using var model = ModelFactory.Create(Options(wordNgrams: 1), vocabSize: 12, numClasses: 4, seed: 3);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("ngrams", StringComparison.Ordinal));
        using var scope = NewDisposeScope();
        var logits = model.call(randint(1, 12, [5, 7], dtype: ScalarType.Int64), full(5, 7L));
        Assert.Equal(new long[] { 5, 4 }, logits.shape);
    }

    [Fact]
    public void Gradients_reach_only_the_rows_of_the_batchs_words()
    {
        using var model = ModelFactory.Create(Options(), vocabSize: 12, numClasses: 3, seed: 4);
        using var scope = NewDisposeScope();
        var logits = model.call(tensor(new long[] { 2, 3, 0 }, [1, 3]), tensor(new long[] { 2 }));
        nn.functional.cross_entropy(logits, tensor(new long[] { 1 })).backward();
        var grad = model.WordEmbeddings.grad!;
        var touched = Enumerable.Range(0, 12).Where(row => grad[row].abs().sum().item<float>() > 0).ToArray();
        Assert.Equal(new[] { 2, 3 }, touched); // never the <pad> row 0
    }
}

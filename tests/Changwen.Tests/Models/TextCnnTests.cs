using Changwen.Models;
using static TorchSharp.torch;

namespace Changwen.Tests.Models;

[Collection("torch")]
public sealed class TextCnnTests
{
    private static ModelOptions Options(string widths = "2,3,4", int filters = 6, double dropout = 0) => new()
    {
        Kind = ModelKind.Textcnn, EmbeddingDim = 8, FilterWidths = widths, Filters = filters, Dropout = dropout,
    };

    [Fact]
    public void Pools_filters_of_every_width_into_one_feature_vector_and_logits()
    {
        using var model = (TextCnn)ModelFactory.Create(Options(), vocabSize: 30, numClasses: 5, seed: 1);
        using var scope = NewDisposeScope();
        var ids = randint(1, 30, [4, 12], dtype: ScalarType.Int64);
        Assert.Equal(new long[] { 4, 18 }, model.Features(ids).shape); // 6 filters × 3 widths
        model.train();
        Assert.Equal(new long[] { 4, 5 }, model.call(ids, full(4, 12L)).shape);
        model.eval();
        Assert.Equal(new long[] { 4, 5 }, model.call(ids, full(4, 12L)).shape);
        Assert.Contains(model.named_parameters(), p => p.name == "conv.2.weight"); // GradientNorms groups conv.* as conv
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Takes_rows_narrower_than_its_widest_filter(int width)
    {
        using var model = ModelFactory.Create(Options("2,3,5"), vocabSize: 30, numClasses: 3, seed: 2);
        model.eval();
        using var scope = NewDisposeScope();
        var ids = randint(1, 30, [2, width], dtype: ScalarType.Int64);
        var logits = model.call(ids, full(2, (long)width));
        Assert.Equal(new long[] { 2, 3 }, logits.shape);
        Assert.False(logits.isnan().any().item<bool>());
    }

    [Fact]
    public void Logits_do_not_depend_on_padding_side_or_width_and_an_empty_document_is_finite()
    {
        using var model = ModelFactory.Create(Options(), vocabSize: 30, numClasses: 3, seed: 3);
        model.eval();
        using var scope = NewDisposeScope();
        var bare = model.call(tensor(new long[] { 4, 5, 6, 7, 8 }, [1, 5]), tensor(new long[] { 5 }));
        var post = model.call(tensor(new long[] { 4, 5, 6, 7, 8, 0, 0, 0, 0 }, [1, 9]), tensor(new long[] { 5 }));
        var pre = model.call(tensor(new long[] { 0, 0, 0, 4, 5, 6, 7, 8 }, [1, 8]), tensor(new long[] { 5 }));
        Assert.True(allclose(post, bare, atol: 1e-5));
        Assert.True(allclose(pre, bare, atol: 1e-5));
        var empty = model.call(zeros(1, 6, dtype: ScalarType.Int64), tensor(new long[] { 0 }));
        Assert.True(empty.isfinite().all().item<bool>());
    }

    [Fact]
    public void Dropout_acts_in_training_only()
    {
        using var model = ModelFactory.Create(Options(dropout: 0.5), vocabSize: 30, numClasses: 3, seed: 4);
        using var scope = NewDisposeScope();
        var ids = randint(1, 30, [8, 10], dtype: ScalarType.Int64);
        var lengths = full(8, 10L);
        model.eval();
        Assert.True(allclose(model.call(ids, lengths), model.call(ids, lengths)));
        model.train();
        Assert.False(allclose(model.call(ids, lengths), model.call(ids, lengths)));
    }
}

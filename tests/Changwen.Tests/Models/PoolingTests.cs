using Changwen.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Tests.Models;

[Collection("torch")]
public sealed class PoolingTests
{
    private const int H = 2;

    /// <summary>A mask <c>[B,T]</c> of real steps: post-padding puts the words first, pre-padding last.</summary>
    private static Tensor Mask(int steps, bool prePadded, params int[] lengths)
    {
        var values = new bool[lengths.Length * steps];
        for (var b = 0; b < lengths.Length; b++)
            for (var t = 0; t < lengths[b]; t++)
                values[b * steps + (prePadded ? steps - 1 - t : t)] = true;
        return tensor(values, [lengths.Length, steps]);
    }

    /// <summary>An r_out <c>[B,T,D]</c> whose every feature names its step: 100·b + t (negated in the backward half).</summary>
    private static Tensor StepNumbers(int batch, int steps, int features, bool bidirectional = false)
    {
        var values = new float[batch * steps * features];
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < steps; t++)
                for (var f = 0; f < features; f++)
                    values[(b * steps + t) * features + f] = (bidirectional && f >= features / 2 ? -1 : 1) * (100 * b + t);
        return tensor(values, [batch, steps, features]);
    }

    private static float[] Column(Tensor pooled, int feature) => pooled.select(1, feature).data<float>().ToArray();

    [Theory]
    [InlineData(false, new float[] { 2, 100, 204 })]
    [InlineData(true, new float[] { 4, 104, 204 })]
    public void True_last_reads_each_documents_last_word_for_post_and_pre_padding(bool prePadded, float[] expected)
    {
        using var scope = NewDisposeScope();
        var rOut = StepNumbers(3, 5, H);
        var mask = Mask(5, prePadded, 3, 1, 5);
        using var trueLast = new SequencePooling(PoolKind.TrueLast, H, bidirectional: false);
        using var last = new SequencePooling(PoolKind.Last, H, bidirectional: false);

        Assert.Equal(expected, Column(trueLast.call(rOut, mask), 0));
        Assert.Equal(expected, Column(trueLast.call(rOut, mask), 1));
        Assert.Equal(new float[] { 4, 104, 204 }, Column(last.call(rOut, mask), 0));
    }

    [Fact]
    public void Bidirectional_last_steps_read_forward_at_the_last_word_and_backward_at_the_first()
    {
        using var scope = NewDisposeScope();
        var rOut = StepNumbers(2, 6, 2 * H, bidirectional: true);
        using var trueLast = new SequencePooling(PoolKind.TrueLast, H, bidirectional: true);
        using var last = new SequencePooling(PoolKind.Last, H, bidirectional: true);

        var post = trueLast.call(rOut, Mask(6, false, 2, 4));
        Assert.Equal(new long[] { 2, 2 * H }, post.shape);
        Assert.Equal(new float[] { 1, 103 }, Column(post, 0));
        Assert.Equal(new float[] { -0, -100 }, Column(post, H));
        var pre = trueLast.call(rOut, Mask(6, true, 2, 4));
        Assert.Equal(new float[] { 5, 105 }, Column(pre, 0));
        Assert.Equal(new float[] { -4, -102 }, Column(pre, H));
        // The original reading: both directions' final states, whatever the padding.
        var original = last.call(rOut, Mask(6, false, 2, 4));
        Assert.Equal(new float[] { 5, 105 }, Column(original, 0));
        Assert.Equal(new float[] { -0, -100 }, Column(original, H));
    }

    [Theory]
    [InlineData(PoolKind.Mean)]
    [InlineData(PoolKind.Max)]
    [InlineData(PoolKind.Attention)]
    [InlineData(PoolKind.TrueLast)]
    public void Masked_poolings_ignore_whatever_the_pad_steps_hold(PoolKind kind)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var pooling = new SequencePooling(kind, H, bidirectional: false);
        foreach (var prePadded in new[] { false, true })
        {
            var mask = Mask(6, prePadded, 2, 6, 3);
            var rOut = randn(3, 6, H);
            // Huge values on the pads would dominate a max or a mean that looked at them.
            var noisy = rOut.masked_fill(mask.logical_not().unsqueeze(-1), 1000f);
            Assert.True(pooling.call(rOut, mask).allclose(pooling.call(noisy, mask), rtol: 0, atol: 1e-6), $"{kind}, pre-padded {prePadded}");
        }
    }

    [Fact]
    public void Mean_and_max_are_taken_over_the_real_words()
    {
        using var scope = NewDisposeScope();
        var rOut = StepNumbers(2, 5, H);
        var mask = Mask(5, false, 3, 5);
        using var mean = new SequencePooling(PoolKind.Mean, H, bidirectional: false);
        using var max = new SequencePooling(PoolKind.Max, H, bidirectional: false);
        Assert.Equal(new float[] { 1, 102 }, Column(mean.call(rOut, mask), 0));
        Assert.Equal(new float[] { 2, 104 }, Column(max.call(rOut, mask), 1));
    }

    [Fact]
    public void Attention_weights_are_a_softmax_over_the_real_words_and_zero_on_pads()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        using var attention = new SequencePooling(PoolKind.Attention, H, bidirectional: false);
        var mask = Mask(7, false, 3, 7, 0).logical_or(Mask(7, true, 0, 0, 2)); // post, full, and a pre-padded row
        var rOut = randn(3, 7, H);

        var weights = attention.AttentionWeights(rOut, mask);

        Assert.Equal(0f, weights.masked_select(mask.logical_not()).abs().sum().item<float>());
        Assert.True(weights.sum(1).allclose(ones(3), rtol: 0, atol: 1e-5));
        Assert.True(weights.masked_select(mask).gt(0).all().item<bool>());
        Assert.Equal(new long[] { 3, H }, attention.call(rOut, mask).shape);
    }

    [Theory]
    [InlineData(PoolKind.Mean)]
    [InlineData(PoolKind.Max)]
    [InlineData(PoolKind.Attention)]
    public void An_empty_document_pools_to_zeros_with_finite_gradients(PoolKind kind)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var pooling = new SequencePooling(kind, H, bidirectional: false);
        var rOut = randn(2, 4, H).requires_grad_();
        var pooled = pooling.call(rOut, Mask(4, false, 0, 3));

        Assert.Equal(new float[] { 0, 0 }, pooled[0].data<float>().ToArray());
        pooled.sum().backward();
        Assert.True(rOut.grad!.isfinite().all().item<bool>());
        Assert.Equal(0f, rOut.grad![0].abs().sum().item<float>());
    }

    [Fact]
    public void Mergenet_pooled_step_is_real_when_any_word_under_its_conv_and_pool_windows_is()
    {
        using var scope = NewDisposeScope();
        // T = 20, kernel 3, pool 4: 18 conv outputs, 4 pooled steps; pooled step i sees words 4i .. 4i+5.
        Assert.Equal(new[] { true, true, false, false },
            MergeNet.PooledMask(Mask(20, false, 6), 3, 4).data<bool>().ToArray());
        Assert.Equal(new[] { false, false, false, true },
            MergeNet.PooledMask(Mask(20, true, 6), 3, 4).data<bool>().ToArray());
        Assert.Equal(new[] { false, false, false, false },
            MergeNet.PooledMask(Mask(20, true, 2), 3, 4).data<bool>().ToArray()); // words 18, 19 fall in the dropped remainder

        // Against the definition, on random masks.
        var random = new Random(4);
        for (var trial = 0; trial < 20; trial++)
        {
            var (steps, k, p) = (random.Next(8, 40), random.Next(1, 5), random.Next(1, 6));
            if (steps < k + p - 1) continue;
            var words = Enumerable.Range(0, steps).Select(_ => random.Next(3) == 0).ToArray();
            var pooledSteps = (steps - k + 1) / p;
            var expected = Enumerable.Range(0, pooledSteps).Select(i => words.Skip(i * p).Take(p + k - 1).Any(w => w)).ToArray();
            Assert.Equal(expected, MergeNet.PooledMask(tensor(words, [1, steps]), k, p).data<bool>().ToArray());
        }
    }
}

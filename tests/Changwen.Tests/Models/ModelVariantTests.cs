using Changwen.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Tests.Models;

/// <summary>The model options that address the long-document failure: pooling, forget-gate bias, bidirectional LSTM.</summary>
[Collection("torch")]
public sealed class ModelVariantTests
{
    private const int Vocab = 30;
    private const int Classes = 4;

    private static ModelOptions Small(ModelKind kind, PoolKind pool = PoolKind.Last, bool bidirectional = false) => new()
    {
        Kind = kind, EmbeddingDim = 8, HiddenDim = 6, LayerDim = 1, KernelSize = 3, PkernelSize = 4, Pool = pool, Bidirectional = bidirectional,
    };

    /// <summary>Rows of random word ids (2..Vocab-1) of the given lengths, padded with 0 to <paramref name="steps"/>.</summary>
    private static Tensor Ids(int steps, bool prePadded, int seed, params int[] lengths)
    {
        var random = new Random(seed);
        var ids = new long[lengths.Length * steps];
        for (var b = 0; b < lengths.Length; b++)
            for (var t = 0; t < lengths[b]; t++)
                ids[b * steps + (prePadded ? steps - lengths[b] + t : t)] = random.Next(2, Vocab);
        return tensor(ids, [lengths.Length, steps]);
    }

    private static Tensor Lengths(params int[] lengths) => tensor(lengths.Select(l => (long)l).ToArray());

    [Fact]
    public void True_last_lstm_gives_a_post_padded_document_the_logits_of_its_unpadded_words()
    {
        using var model = ModelFactory.Create(Small(ModelKind.Lstm, PoolKind.TrueLast), Vocab, Classes, seed: 1);
        model.eval();
        using var scope = NewDisposeScope();
        var padded = Ids(12, prePadded: false, seed: 1, 5, 12, 9);
        var logits = model.call(padded, Lengths(5, 12, 9));
        for (var b = 0; b < 3; b++)
        {
            var length = new[] { 5, 12, 9 }[b];
            var alone = model.call(padded[b..(b + 1), ..length], Lengths(length));
            Assert.True(logits[b].allclose(alone[0], rtol: 0, atol: 1e-5), $"row {b}");
        }
        // The original reading does depend on the pads: the check above can fail.
        using var original = ModelFactory.Create(Small(ModelKind.Lstm), Vocab, Classes, seed: 1);
        original.eval();
        Assert.False(original.call(padded, Lengths(5, 12, 9))[0].allclose(original.call(padded[0..1, ..5], Lengths(5))[0], rtol: 0, atol: 1e-5));
    }

    [Theory]
    [InlineData(ModelKind.Lstm)]
    [InlineData(ModelKind.Mergenet)]
    public void With_pre_padding_true_last_equals_last(ModelKind kind)
    {
        using var last = ModelFactory.Create(Small(kind), Vocab, Classes, seed: 2);
        using var trueLast = ModelFactory.Create(Small(kind, PoolKind.TrueLast), Vocab, Classes, seed: 2);
        last.eval();
        trueLast.eval();
        using var scope = NewDisposeScope();
        var ids = Ids(24, prePadded: true, seed: 2, 7, 24, 15);
        // Equal up to rounding: the classifier multiplies a strided column in one case and a gathered copy in the other.
        Assert.True(last.call(ids, Lengths(7, 24, 15)).allclose(trueLast.call(ids, Lengths(7, 24, 15)), rtol: 0, atol: 1e-6));
    }

    [Theory]
    [InlineData(PoolKind.TrueLast)]
    [InlineData(PoolKind.Mean)]
    [InlineData(PoolKind.Max)]
    [InlineData(PoolKind.Attention)]
    public void Post_padded_lstm_outputs_ignore_the_pad_embedding_except_with_last(PoolKind pool)
    {
        using var model = ModelFactory.Create(Small(ModelKind.Lstm, pool), Vocab, Classes, seed: 3);
        using var original = ModelFactory.Create(Small(ModelKind.Lstm), Vocab, Classes, seed: 3);
        using var scope = NewDisposeScope();
        var ids = Ids(16, prePadded: false, seed: 3, 4, 16, 10);
        var lengths = Lengths(4, 16, 10);
        var before = model.call(ids, lengths);
        var originalBefore = original.call(ids, lengths);
        foreach (var m in new[] { model, original })
            using (no_grad())
                m.named_parameters().First(p => p.name == "embedding.weight").parameter[0].fill_(5.0);

        Assert.True(before.allclose(model.call(ids, lengths), rtol: 0, atol: 1e-6));
        Assert.False(originalBefore.allclose(original.call(ids, lengths), rtol: 0, atol: 1e-3));
    }

    [Theory]
    [InlineData(ModelKind.Lstm, 1, false)]
    [InlineData(ModelKind.Lstm, 2, true)]
    [InlineData(ModelKind.Mergenet, 2, true)]
    public void Forget_bias_sets_the_forget_gate_slice_of_every_layer_and_direction(ModelKind kind, int layers, bool bidirectional)
    {
        const double bias = 1.5;
        var options = Small(kind, bidirectional: bidirectional) with { LayerDim = layers };
        using var plain = ModelFactory.Create(options, Vocab, Classes, seed: 4);
        using var biased = ModelFactory.Create(options with { ForgetBias = bias }, Vocab, Classes, seed: 4);
        var plainParameters = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        var biasedParameters = biased.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        var h = options.HiddenDim;

        var suffixes = Enumerable.Range(0, layers).SelectMany(l => bidirectional ? new[] { $"l{l}", $"l{l}_reverse" } : new[] { $"l{l}" }).ToList();
        Assert.Equal(layers * (bidirectional ? 2 : 1), suffixes.Count);
        foreach (var suffix in suffixes)
        {
            var (ih, hh) = (biasedParameters[$"lstm.bias_ih_{suffix}"], biasedParameters[$"lstm.bias_hh_{suffix}"]);
            using var sum = ih + hh;
            Assert.All(sum.narrow(0, h, h).data<float>().ToArray(), v => Assert.Equal(bias, v, 6));
            // Input, cell and output gates keep their initial values.
            foreach (var (start, name) in new[] { (0, "i"), (2 * h, "g"), (3 * h, "o") })
            {
                Assert.True(ih.narrow(0, start, h).allclose(plainParameters[$"lstm.bias_ih_{suffix}"].narrow(0, start, h), rtol: 0, atol: 0), $"{suffix} {name} ih");
                Assert.True(hh.narrow(0, start, h).allclose(plainParameters[$"lstm.bias_hh_{suffix}"].narrow(0, start, h), rtol: 0, atol: 0), $"{suffix} {name} hh");
            }
            // libtorch's own init is uniform around zero, far from 1.5.
            using var plainSum = plainParameters[$"lstm.bias_ih_{suffix}"] + plainParameters[$"lstm.bias_hh_{suffix}"];
            Assert.False(plainSum.narrow(0, h, h).allclose(sum.narrow(0, h, h), rtol: 0, atol: 0.1));
        }
        // Everything else is untouched.
        foreach (var (name, value) in plainParameters.Where(p => !p.Key.Contains(".bias_")))
            Assert.True(value.allclose(biasedParameters[name], rtol: 0, atol: 0), name);
    }

    [Theory]
    [InlineData(ModelKind.Lstm, PoolKind.Last)]
    [InlineData(ModelKind.Lstm, PoolKind.TrueLast)]
    [InlineData(ModelKind.Lstm, PoolKind.Mean)]
    [InlineData(ModelKind.Lstm, PoolKind.Max)]
    [InlineData(ModelKind.Lstm, PoolKind.Attention)]
    [InlineData(ModelKind.Mergenet, PoolKind.Last)]
    [InlineData(ModelKind.Mergenet, PoolKind.TrueLast)]
    [InlineData(ModelKind.Mergenet, PoolKind.Mean)]
    [InlineData(ModelKind.Mergenet, PoolKind.Max)]
    [InlineData(ModelKind.Mergenet, PoolKind.Attention)]
    public void Every_pooling_maps_to_class_logits_and_bidirectional_doubles_the_classifier_input(ModelKind kind, PoolKind pool)
    {
        foreach (var bidirectional in new[] { false, true })
        {
            using var model = ModelFactory.Create(Small(kind, pool, bidirectional), Vocab, Classes, seed: 5);
            using var scope = NewDisposeScope();
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var features = bidirectional ? 12 : 6;
            Assert.Equal(new long[] { Classes, features }, parameters["fc.weight"].shape);
            Assert.Equal(bidirectional, parameters.ContainsKey("lstm.weight_hh_l0_reverse"));
            Assert.Equal(pool == PoolKind.Attention, parameters.ContainsKey("readout.score.weight"));
            if (pool == PoolKind.Attention) Assert.Equal(new long[] { 1, features }, parameters["readout.score.weight"].shape);

            var ids = Ids(30, prePadded: false, seed: 5, 30, 12, 0, 20);
            model.train();
            var logits = model.call(ids, Lengths(30, 12, 0, 20));
            Assert.Equal(new long[] { 4, Classes }, logits.shape);
            Assert.True(logits.isfinite().all().item<bool>());
        }
    }

    [Fact]
    public void The_original_poolings_add_no_parameters_so_older_weight_files_still_load()
    {
        using var model = ModelFactory.Create(Small(ModelKind.Lstm, PoolKind.Mean), Vocab, Classes, seed: 6);
        Assert.Equal(["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"],
            model.state_dict().Keys.ToArray());
    }

    [Fact]
    public void A_forget_bias_that_is_not_a_number_is_refused()
    {
        Assert.Throws<UserInputException>(() => ModelFactory.Create(Small(ModelKind.Lstm) with { ForgetBias = double.NaN }, Vocab, Classes));
    }

    [Fact]
    public void Mergenets_batch_norm_matches_torchsharps_in_training_and_in_eval()
    {
        using var ours = (MergeNet)ModelFactory.Create(Small(ModelKind.Mergenet), Vocab, Classes, seed: 9);
        using var theirs = (MergeNet)ModelFactory.Create(Small(ModelKind.Mergenet), Vocab, Classes, seed: 9);
        random.manual_seed(3);
        using var batch = randn(4, 8, 12) * 3 + 1;
        foreach (var training in new[] { true, true, false })
        {
            ours.train(training);
            theirs.train(training);
            using var a = ours.Normalize(batch);
            using var b = theirs.BatchNorm.call(batch);
            Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
        }
        Assert.Equal(theirs.BatchNorm.running_mean!.data<float>().ToArray(), ours.BatchNorm.running_mean!.data<float>().ToArray());
        Assert.Equal(theirs.BatchNorm.running_var!.data<float>().ToArray(), ours.BatchNorm.running_var!.data<float>().ToArray());
        Assert.Equal(2L, ours.BatchNorm.num_batches_tracked!.item<long>());
        Assert.Equal(2L, theirs.BatchNorm.num_batches_tracked!.item<long>());
    }
}

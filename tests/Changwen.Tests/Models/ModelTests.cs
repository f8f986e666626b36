using Changwen.Models;
using Changwen.Tests.Training;
using Changwen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Changwen.Tests.Models;

[Collection("torch")]
public sealed class ModelTests
{
    private static ModelOptions Small(ModelKind kind, int layers = 1, InitKind init = InitKind.Default) => new()
    {
        Kind = kind, EmbeddingDim = 16, HiddenDim = 16, LayerDim = layers, Init = init, KernelSize = 3, PkernelSize = 10,
    };

    [Theory]
    [InlineData(ModelKind.Lstm, 1)]
    [InlineData(ModelKind.Lstm, 2)]
    [InlineData(ModelKind.Mergenet, 1)]
    [InlineData(ModelKind.Mergenet, 2)]
    public void Maps_ids_and_lengths_to_batch_by_class_logits(ModelKind kind, int layers)
    {
        using var model = ModelFactory.Create(Small(kind, layers), vocabSize: 50, numClasses: 5, seed: 1);
        using var scope = NewDisposeScope();
        var ids = randint(1, 50, [4, 40], dtype: ScalarType.Int64);
        var lengths = tensor(new long[] { 40, 30, 20, 12 });
        model.train();
        Assert.Equal(new long[] { 4, 5 }, model.call(ids, lengths).shape);
        model.eval();
        Assert.Equal(new long[] { 4, 5 }, model.call(ids, lengths).shape);
    }

    [Fact]
    public void Keeps_the_original_parameter_names()
    {
        using var lstm = ModelFactory.Create(Small(ModelKind.Lstm, layers: 2), 50, 3);
        var lstmNames = lstm.state_dict().Keys.ToHashSet();
        Assert.Subset(lstmNames, new HashSet<string> { "embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "fc.weight", "fc.bias" });

        using var merge = ModelFactory.Create(Small(ModelKind.Mergenet), 50, 3);
        var mergeNames = merge.state_dict().Keys.ToHashSet();
        Assert.Subset(mergeNames, new HashSet<string> { "embedding.weight", "conv.weight", "bn.weight", "bn.running_mean", "bn.running_var", "lstm.weight_hh_l0", "fc.weight" });
    }

    [Theory]
    [InlineData(ModelKind.Lstm)]
    [InlineData(ModelKind.Mergenet)]
    public void Orthogonal_init_gives_every_lstm_layer_orthonormal_weight_columns(ModelKind kind)
    {
        using var orthogonal = ModelFactory.Create(Small(kind, layers: 2, InitKind.Orthogonal), 50, 3, seed: 3);
        using var plain = ModelFactory.Create(Small(kind, layers: 2), 50, 3, seed: 3);
        var weights = orthogonal.named_parameters().Where(p => p.name.Contains(".weight_ih_l") || p.name.Contains(".weight_hh_l")).ToList();
        Assert.Equal(4, weights.Count);
        foreach (var (name, w) in weights)
        {
            // [4H, in] with 4H >= in: a semi-orthogonal matrix has orthonormal columns, Wᵀ W = I.
            using var gram = w.detach().t().matmul(w.detach());
            using var identity = eye(w.shape[1]);
            Assert.True(gram.allclose(identity, rtol: 0, atol: 1e-4), $"{name} is not orthonormal");
        }
        // The check can fail: PyTorch's default uniform init is far from orthonormal.
        using var p = plain.named_parameters().First(x => x.name == "lstm.weight_hh_l0").parameter.detach();
        using var plainGram = p.t().matmul(p);
        Assert.False(plainGram.allclose(eye(p.shape[1]), rtol: 0, atol: 1e-2));
    }

    [Fact]
    public void Same_seed_builds_identical_weights()
    {
        using var a = ModelFactory.Create(Small(ModelKind.Mergenet), 50, 3, seed: 9);
        using var b = ModelFactory.Create(Small(ModelKind.Mergenet), 50, 3, seed: 9);
        using var c = ModelFactory.Create(Small(ModelKind.Mergenet), 50, 3, seed: 10);
        var (pa, pb, pc) = (a.state_dict(), b.state_dict(), c.state_dict());
        Assert.All(pa.Keys, k => Assert.True(pa[k].allclose(pb[k], rtol: 0, atol: 0), k));
        Assert.False(pa["lstm.weight_hh_l0"].allclose(pc["lstm.weight_hh_l0"], rtol: 0, atol: 0));
    }

    [Theory]
    [InlineData(ModelKind.Lstm)]
    [InlineData(ModelKind.Mergenet)]
    public void Saved_weights_load_into_a_fresh_model_with_identical_predictions(ModelKind kind)
    {
        using var dir = new TempDir();
        var data = SyntheticCorpus.Create(docsPerClass: 8, maxLen: 24, minLen: 14, seed: 5);
        var options = Small(kind) with { PkernelSize = 4 };
        using var model = ModelFactory.Create(options, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, seed: 5);
        // A few training steps move BatchNorm's running statistics away from their initial values.
        Trainer.Train(model, data, data, new TrainOptions { Model = options, Optimizer = new() { Epochs = 2, BatchSize = 8, Threads = 1 } }, dir.Path);
        var path = Path.Combine(dir.Path, "copy.pt");
        ModelFactory.SaveWeights(model, path);

        using var loaded = ModelFactory.Load(path, options, SyntheticCorpus.VocabSize, SyntheticCorpus.Classes);
        var expected = Predictor.PredictProbabilities(model, data, batchSize: 7);
        var actual = Predictor.PredictProbabilities(loaded, data, batchSize: 5);
        Assert.Equal(data.Count, actual.Length);
        for (var i = 0; i < data.Count; i++)
        {
            // Equal to float rounding: the batches differ (7 vs 5 rows), and a masked mean sums in a shape-dependent order.
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var c = 0; c < actual[i].Length; c++) Assert.Equal(expected[i][c], actual[i][c], 1e-6f);
            Assert.Equal(1.0, actual[i].Sum(), 4);
        }
    }

    [Fact]
    public void Weights_streamed_to_the_file_are_the_bytes_the_model_saves_and_their_recorded_hash()
    {
        using var dir = new TempDir();
        using var model = ModelFactory.Create(Small(ModelKind.Lstm), 50, 3, seed: 1);
        var path = Path.Combine(dir.Path, "best.pt");
        ModelFactory.SaveWeights(model, path);

        using var expected = new MemoryStream();
        using (var writer = new BinaryWriter(expected, System.Text.Encoding.UTF8, leaveOpen: true)) model.save(writer);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(expected.ToArray(), bytes);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        Assert.Equal($"{hash}  best.pt", File.ReadLines(Changwen.IO.WeightsChecksum.SidecarOf(path)).First());
    }

    [Fact]
    public void Truncated_or_mismatched_weights_are_refused_with_the_file_named()
    {
        using var dir = new TempDir();
        var options = Small(ModelKind.Lstm);
        using var model = ModelFactory.Create(options, 50, 3, seed: 1);
        var path = Path.Combine(dir.Path, "best.pt");
        ModelFactory.SaveWeights(model, path);

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^100]);
        var truncated = Assert.Throws<UserInputException>(() => ModelFactory.Load(path, options, 50, 3));
        Assert.StartsWith(path + ":", truncated.Message);

        ModelFactory.SaveWeights(model, path);
        Assert.Throws<UserInputException>(() => ModelFactory.Load(path, options with { HiddenDim = 8 }, 50, 3));
        Assert.Throws<UserInputException>(() => ModelFactory.Load(path, options with { Kind = ModelKind.Mergenet }, 50, 3));
        Assert.Throws<UserInputException>(() => ModelFactory.Load(Path.Combine(dir.Path, "missing.pt"), options, 50, 3));
    }

    [Fact]
    public void Small_batches_predict_on_one_thread_with_the_same_probabilities_and_leave_the_thread_count_alone()
    {
        var data = SyntheticCorpus.Create(docsPerClass: 6, maxLen: 24, minLen: 10, seed: 9);
        using var model = ModelFactory.Create(Small(ModelKind.Lstm), SyntheticCorpus.VocabSize, SyntheticCorpus.Classes, seed: 9);
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            var whole = Predictor.PredictProbabilities(model, data, batchSize: 64);                        // two threads
            var small = Predictor.PredictProbabilities(model, data, batchSize: Predictor.SmallBatch - 1);  // one thread each
            Assert.Equal(2, torch.get_num_threads());
            for (var i = 0; i < data.Count; i++)
                for (var c = 0; c < whole[i].Length; c++) Assert.Equal(whole[i][c], small[i][c], 1e-6f);
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void Mergenet_refuses_rows_too_short_for_its_convolution_and_pooling()
    {
        using var model = ModelFactory.Create(Small(ModelKind.Mergenet), 50, 3);
        Assert.Equal(12, model.MinSequenceLength);
        var data = SyntheticCorpus.Create(docsPerClass: 2, maxLen: 11, minLen: 5, seed: 1);
        Assert.Throws<UserInputException>(() => Predictor.PredictProbabilities(model, data));
    }
}

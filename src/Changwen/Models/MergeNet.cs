using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// The original post's MergeNet: Embedding → Conv1d(kernel) → BatchNorm1d → ReLU → MaxPool1d(pkernel) → LSTM →
/// pooling → (dropout, when asked) → Linear (the original pools with <c>last</c>). The max-pooling shortens 500 words to ~50 steps, which is
/// why it converges where the plain LSTM stalls.
/// </summary>
public sealed class MergeNet : TextClassifierModel
{
    private readonly Embedding embedding;
    private readonly Conv1d conv;
    private readonly BatchNorm1d bn;
    private readonly MaxPool1d pool;
    private readonly LSTM lstm;
    private readonly Linear fc;
    private readonly SequencePooling readout;
    private readonly Dropout? dropout;

    public MergeNet(ModelOptions options, int vocabSize, int numClasses) : base("mergenet", options, vocabSize, numClasses)
    {
        embedding = nn.Embedding(vocabSize, options.EmbeddingDim);
        conv = nn.Conv1d(options.EmbeddingDim, options.EmbeddingDim, options.KernelSize);
        bn = nn.BatchNorm1d(options.EmbeddingDim);
        pool = nn.MaxPool1d(options.PkernelSize);
        lstm = CreateLstm(options, options.EmbeddingDim);
        readout = new SequencePooling(options.Pool, options.HiddenDim, options.Bidirectional);
        dropout = CreateDropout(options);
        fc = nn.Linear(readout.OutputDim, numClasses);
        RegisterComponents();
        ApplyFreeze();
    }

    public override Parameter WordEmbeddings => embedding.weight!;

    /// <summary>The convolution needs <c>KernelSize</c> positions and the pooling <c>PkernelSize</c> outputs of it.</summary>
    public override int MinSequenceLength => Options.KernelSize + Options.PkernelSize - 1;

    public override Tensor forward(Tensor ids, Tensor lengths)
    {
        CheckInputs(ids, lengths);
        if (ids.shape[1] < MinSequenceLength)
            throw new ArgumentException($"mergenet needs rows of at least {MinSequenceLength} ids, got {ids.shape[1]}");
        using var scope = NewDisposeScope();
        var embeds = embedding.call(ids).permute(0, 2, 1);       // [B,E,T]: Conv1d wants channels first
        var x = pool.call(nn.functional.relu(Normalize(conv.call(embeds))));  // [B,E,T']
        var (rOut, _, _) = lstm.call(x.permute(0, 2, 1));        // [B,T',H] (2H bidirectional)
        var mask = PooledMask(RealTokenMask(ids), Options.KernelSize, Options.PkernelSize);
        var features = readout.call(rOut, mask);
        if (dropout is not null) features = dropout.call(features);
        return fc.call(features).MoveToOuterDisposeScope();
    }

    /// <summary>The BatchNorm1d whose parameters and running statistics <see cref="Normalize"/> uses (for tests).</summary>
    internal BatchNorm1d BatchNorm => bn;

    /// <summary>
    /// <c>bn.call(x)</c>, step for step, without its one temporary Scalar: TorchSharp's BatchNorm counts training
    /// batches with <c>num_batches_tracked.add_(1)</c>, which a collection on another thread can free while libtorch
    /// reads it (see <see cref="Scalars"/>; <c>bench scalar-race --work models</c> aborted there). The running mean and
    /// variance are updated by libtorch's batch_norm, with BatchNorm's own momentum and eps.
    /// </summary>
    internal Tensor Normalize(Tensor x)
    {
        if (training) bn.num_batches_tracked?.add_(Scalars.One, Scalars.One);
        return nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, training, bn.momentum!.Value, bn.eps);
    }

    /// <summary>
    /// Which LSTM steps are real, from which words are (<c>[B,T]</c> → <c>[B,T']</c>). Conv output j sees words
    /// j..j+k-1 and pooled step i sees conv outputs i·p..i·p+p-1, i.e. words i·p..i·p+p+k-2; a step is real if any word
    /// it sees is. The mask goes through the same windows as the data: a max over k (stride 1), then over p (stride p,
    /// the trailing remainder dropped as MaxPool1d drops it), so T' always matches.
    /// </summary>
    public static Tensor PooledMask(Tensor tokenMask, int kernelSize, int poolKernel)
    {
        using var scope = NewDisposeScope();
        var m = tokenMask.to_type(ScalarType.Float32).unsqueeze(1);                    // [B,1,T]
        m = nn.functional.max_pool1d(m, kernelSize, stride: 1);                           // [B,1,T-k+1]
        m = nn.functional.max_pool1d(m, poolKernel, stride: poolKernel);                  // [B,1,T']
        return m.squeeze(1).gt(Scalars.Zero).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// The original post's MergeNet: Embedding → Conv1d(kernel) → BatchNorm1d → ReLU → MaxPool1d(pkernel) → LSTM →
/// Linear on the last step. The pooling shortens 500 words to ~50 steps, which is why it converges where the plain
/// LSTM stalls.
/// </summary>
public sealed class MergeNet : TextClassifierModel
{
    private readonly Embedding embedding;
    private readonly Conv1d conv;
    private readonly BatchNorm1d bn;
    private readonly MaxPool1d pool;
    private readonly LSTM lstm;
    private readonly Linear fc;

    public MergeNet(ModelOptions options, int vocabSize, int numClasses) : base("mergenet", options, vocabSize, numClasses)
    {
        embedding = nn.Embedding(vocabSize, options.EmbeddingDim);
        conv = nn.Conv1d(options.EmbeddingDim, options.EmbeddingDim, options.KernelSize);
        bn = nn.BatchNorm1d(options.EmbeddingDim);
        pool = nn.MaxPool1d(options.PkernelSize);
        lstm = nn.LSTM(options.EmbeddingDim, options.HiddenDim, options.LayerDim, batchFirst: true);
        fc = nn.Linear(options.HiddenDim, numClasses);
        RegisterComponents();
        if (options.Init == InitKind.Orthogonal) InitOrthogonal(lstm);
    }

    /// <summary>The convolution needs <c>KernelSize</c> positions and the pooling <c>PkernelSize</c> outputs of it.</summary>
    public override int MinSequenceLength => Options.KernelSize + Options.PkernelSize - 1;

    public override Tensor forward(Tensor ids, Tensor lengths)
    {
        CheckInputs(ids, lengths);
        if (ids.shape[1] < MinSequenceLength)
            throw new ArgumentException($"mergenet needs rows of at least {MinSequenceLength} ids, got {ids.shape[1]}");
        using var scope = NewDisposeScope();
        var embeds = embedding.call(ids).permute(0, 2, 1);       // [B,E,T]: Conv1d wants channels first
        var x = pool.call(nn.functional.relu(bn.call(conv.call(embeds))));  // [B,E,T']
        var (rOut, _, _) = lstm.call(x.permute(0, 2, 1));        // [B,T',H]
        return fc.call(LastStep(rOut)).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// The original post's LSTM: Embedding → LSTM (batch_first) → Linear on the output at the last position. Kept exactly
/// as written, padding steps included, so its failure on 500-word post-padded rows reproduces.
/// </summary>
public sealed class LstmClassifier : TextClassifierModel
{
    // Field names are the parameter names in saved weights (embedding.weight, lstm.weight_ih_l0, fc.weight, ...).
    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Linear fc;

    public LstmClassifier(ModelOptions options, int vocabSize, int numClasses) : base("lstm", options, vocabSize, numClasses)
    {
        embedding = nn.Embedding(vocabSize, options.EmbeddingDim);
        lstm = nn.LSTM(options.EmbeddingDim, options.HiddenDim, options.LayerDim, batchFirst: true);
        fc = nn.Linear(options.HiddenDim, numClasses);
        RegisterComponents();
        if (options.Init == InitKind.Orthogonal) InitOrthogonal(lstm);
    }

    public override Tensor forward(Tensor ids, Tensor lengths)
    {
        CheckInputs(ids, lengths);
        using var embeds = embedding.call(ids);                 // [B,T,E]
        var (rOut, hN, cN) = lstm.call(embeds);                 // r_out [B,T,H]
        hN.Dispose();
        cN.Dispose();
        using (rOut)
        using (var last = LastStep(rOut))
            return fc.call(last);                               // [B,C]
    }
}

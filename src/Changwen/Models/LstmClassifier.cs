using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// The original post's LSTM: Embedding → LSTM (batch_first) → pooling → (dropout, when asked) → Linear. With <c>--pool last</c> it reads the
/// output at the last padded position exactly as written, pads included, so its failure on 500-word post-padded rows
/// reproduces; the other poolings (<see cref="PoolKind"/>) read only the real words.
/// </summary>
public sealed class LstmClassifier : TextClassifierModel
{
    // Field names are the parameter names in saved weights (embedding.weight, lstm.weight_ih_l0, fc.weight, ...).
    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Linear fc;
    private readonly SequencePooling readout;
    private readonly Dropout? dropout;

    public LstmClassifier(ModelOptions options, int vocabSize, int numClasses) : base("lstm", options, vocabSize, numClasses)
    {
        embedding = nn.Embedding(vocabSize, options.EmbeddingDim);
        lstm = CreateLstm(options, options.EmbeddingDim);
        readout = new SequencePooling(options.Pool, options.HiddenDim, options.Bidirectional);
        dropout = CreateDropout(options);
        fc = nn.Linear(readout.OutputDim, numClasses);
        RegisterComponents();
        ApplyFreeze();
    }

    public override Parameter WordEmbeddings => embedding.weight!;

    public override Tensor forward(Tensor ids, Tensor lengths)
    {
        CheckInputs(ids, lengths);
        using var scope = NewDisposeScope();
        var (rOut, _, _) = lstm.call(embedding.call(ids));        // r_out [B,T,H] (2H bidirectional)
        var features = readout.call(rOut, RealTokenMask(ids));
        if (dropout is not null) features = dropout.call(features);
        return fc.call(features).MoveToOuterDisposeScope();
    }
}

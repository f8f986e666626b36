using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// The one contract every classifier follows: token ids <c>[B,T]</c> (int64, 0 = &lt;pad&gt;) and each document's
/// true length <c>[B]</c> (int64) in, class logits <c>[B,C]</c> out. Subclasses keep the original post's field names
/// (<c>embedding</c>, <c>lstm</c>, <c>fc</c>, ...) so saved weights carry the same parameter names.
/// </summary>
public abstract class TextClassifierModel : nn.Module<Tensor, Tensor, Tensor>
{
    protected TextClassifierModel(string name, ModelOptions options, int vocabSize, int numClasses) : base(name)
    {
        Options = options;
        VocabSize = vocabSize;
        NumClasses = numClasses;
    }

    /// <summary>The options the model was built from.</summary>
    public ModelOptions Options { get; }
    public int VocabSize { get; }
    public int NumClasses { get; }

    /// <summary>The shortest input row (MaxLen) the network can take; shorter rows would leave no time steps.</summary>
    public virtual int MinSequenceLength => 1;

    /// <summary>
    /// The word embedding table <c>[V,E]</c> (row = vocabulary id) into which <see cref="LoadWordVectors"/> copies
    /// pretrained vectors and which <c>FreezeEmbeddings</c> keeps fixed.
    /// </summary>
    public abstract Parameter WordEmbeddings { get; }

    /// <summary>
    /// Copies <paramref name="vectors"/> into the rows of the words they hold and zeroes the &lt;pad&gt; row; the other
    /// rows (unknown words, &lt;unk&gt;) keep their random initial values.
    /// </summary>
    public void LoadWordVectors(Text.WordVectors vectors)
    {
        var weight = WordEmbeddings;
        if (weight.shape[0] != VocabSize || weight.shape[1] != vectors.Dimension)
            throw new ArgumentException($"vectors of dimension {vectors.Dimension} for {VocabSize} words do not fit embeddings [{string.Join(",", weight.shape)}]");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var rows = weight.detach().cpu().data<float>().ToArray();
        var dim = vectors.Dimension;
        foreach (var (id, vector) in vectors.Rows) vector.CopyTo(rows.AsSpan(id * dim, dim));
        Array.Clear(rows, Text.Vocabulary.PadId * dim, dim);
        weight.copy_(tensor(rows, [VocabSize, dim]));
    }

    /// <summary>Applies <c>FreezeEmbeddings</c>; subclasses call it once their embedding exists.</summary>
    protected void ApplyFreeze()
    {
        if (Options.FreezeEmbeddings) WordEmbeddings.requires_grad = false;
    }

    /// <summary>Dropout on the classifier's input as <c>Options.Dropout</c> asks, or null when it is 0 (no module, so no weights change).</summary>
    protected static Dropout? CreateDropout(ModelOptions options) => options.Dropout > 0 ? nn.Dropout(options.Dropout) : null;

    /// <summary>Real (non-pad) positions of <paramref name="ids"/> <c>[B,T]</c>: pad id 0 is never a word, whichever side was padded.</summary>
    public static Tensor RealTokenMask(Tensor ids) => ids.ne(Scalars.Zero);

    /// <summary>An LSTM as the options describe: batch-first, LayerDim layers, bidirectional if asked, initialised as asked.</summary>
    protected static LSTM CreateLstm(ModelOptions options, int inputDim)
    {
        var lstm = nn.LSTM(inputDim, options.HiddenDim, options.LayerDim, batchFirst: true, bidirectional: options.Bidirectional);
        if (options.Init == InitKind.Orthogonal) InitOrthogonal(lstm);
        if (options.ForgetBias is { } forgetBias) SetForgetBias(lstm, options.HiddenDim, forgetBias);
        return lstm;
    }

    /// <summary>Fills every LSTM layer's <c>weight_ih_l{k}</c> and <c>weight_hh_l{k}</c> with a (semi-)orthogonal matrix.</summary>
    protected static void InitOrthogonal(nn.Module lstm)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in lstm.named_parameters())
            if (name.StartsWith("weight_ih_l", StringComparison.Ordinal) || name.StartsWith("weight_hh_l", StringComparison.Ordinal))
                nn.init.orthogonal_(parameter);
    }

    /// <summary>
    /// Makes the forget gate of every layer and direction start at <paramref name="bias"/>: PyTorch orders the gates
    /// i, f, g, o, so the forget slice of <c>bias_ih</c> and <c>bias_hh</c> is <c>[H:2H]</c>; the LSTM adds the two,
    /// so <c>bias_ih</c> gets the value and <c>bias_hh</c> zero. Other slices keep their initial values.
    /// </summary>
    internal static void SetForgetBias(nn.Module lstm, int hiddenDim, double bias)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in lstm.named_parameters())
        {
            if (name.StartsWith("bias_ih_l", StringComparison.Ordinal)) { using var value = bias.ToScalar(); parameter.narrow(0, hiddenDim, hiddenDim).fill_(value); }
            else if (name.StartsWith("bias_hh_l", StringComparison.Ordinal)) parameter.narrow(0, hiddenDim, hiddenDim).fill_(Scalars.Zero);
        }
    }

    /// <summary>Checks the inputs before they reach native code, where a shape mismatch aborts the process.</summary>
    protected static void CheckInputs(Tensor ids, Tensor lengths)
    {
        if (ids.dim() != 2) throw new ArgumentException($"ids must be [B,T], got [{string.Join(",", ids.shape)}]");
        if (ids.dtype != ScalarType.Int64) throw new ArgumentException($"ids must be int64, got {ids.dtype}");
        if (lengths.dim() != 1 || lengths.shape[0] != ids.shape[0])
            throw new ArgumentException($"lengths must be [B] with B = {ids.shape[0]}, got [{string.Join(",", lengths.shape)}]");
    }
}

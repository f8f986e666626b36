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

    /// <summary>Real (non-pad) positions of <paramref name="ids"/> <c>[B,T]</c>: pad id 0 is never a word, whichever side was padded.</summary>
    public static Tensor RealTokenMask(Tensor ids) => ids.ne(0);

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
            if (name.StartsWith("bias_ih_l", StringComparison.Ordinal)) parameter.narrow(0, hiddenDim, hiddenDim).fill_(bias);
            else if (name.StartsWith("bias_hh_l", StringComparison.Ordinal)) parameter.narrow(0, hiddenDim, hiddenDim).fill_(0);
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

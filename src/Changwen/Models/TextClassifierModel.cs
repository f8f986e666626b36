using TorchSharp;
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
    /// Turns the LSTM output <c>r_out [B,T',H]</c> into one feature vector per document <c>[B,H]</c>.
    /// The original takes the output at the last padded position, <c>r_out[:, -1, :]</c>: with post-padding that is
    /// hundreds of pad steps after the last word, which is why training stalls at 500 words. Other poolings
    /// (true-last, mean) belong here.
    /// </summary>
    protected static Tensor LastStep(Tensor rOut) => rOut[.., -1, ..];

    /// <summary>Fills every LSTM layer's <c>weight_ih_l{k}</c> and <c>weight_hh_l{k}</c> with a (semi-)orthogonal matrix.</summary>
    protected static void InitOrthogonal(nn.Module lstm)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in lstm.named_parameters())
            if (name.StartsWith("weight_ih_l", StringComparison.Ordinal) || name.StartsWith("weight_hh_l", StringComparison.Ordinal))
                nn.init.orthogonal_(parameter);
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

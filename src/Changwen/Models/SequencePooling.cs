using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// Turns the LSTM output <c>r_out [B,T,D]</c> into one vector per document <c>[B,D]</c>, reading only the real words
/// where the <see cref="PoolKind"/> says so. Which steps are real comes from a mask <c>[B,T]</c> (true = a word),
/// which the models derive from the ids (0 is &lt;pad&gt;), so one rule serves post-padding, pre-padding and batches
/// cut by length bucketing. <c>D</c> is H, or 2H when bidirectional: the first H features are the forward direction,
/// the last H the backward one (PyTorch's layout).
/// </summary>
public sealed class SequencePooling : nn.Module<Tensor, Tensor, Tensor>
{
    // Only attention has parameters ("readout.score.weight/bias"); for every other kind the module adds no weights,
    // so files saved by the original models still load.
    private readonly Linear? score;

    public SequencePooling(PoolKind kind, int hiddenDim, bool bidirectional) : base("readout")
    {
        Kind = kind;
        HiddenDim = hiddenDim;
        Bidirectional = bidirectional;
        if (kind == PoolKind.Attention) score = nn.Linear(OutputDim, 1);
        RegisterComponents();
    }

    public PoolKind Kind { get; }
    public int HiddenDim { get; }
    public bool Bidirectional { get; }
    /// <summary>Features per document: H, or 2H when bidirectional.</summary>
    public int OutputDim => Bidirectional ? 2 * HiddenDim : HiddenDim;

    /// <param name="rOut">LSTM output <c>[B,T,D]</c>.</param>
    /// <param name="mask">Real steps <c>[B,T]</c>, bool.</param>
    public override Tensor forward(Tensor rOut, Tensor mask)
    {
        CheckShapes(rOut, mask);
        return Kind switch
        {
            PoolKind.Last => Last(rOut),
            PoolKind.TrueLast => TrueLast(rOut, mask),
            PoolKind.Mean => Mean(rOut, mask),
            PoolKind.Max => Max(rOut, mask),
            PoolKind.Attention => AttentionPool(rOut, mask),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown pooling"),
        };
    }

    /// <summary>
    /// The original: the output at the final column, whatever it holds. Bidirectional: the forward direction at the final
    /// column and the backward direction at column 0 — both directions' final states, as <c>h_n</c> has them.
    /// </summary>
    private Tensor Last(Tensor rOut)
    {
        var final = rOut.select(1, -1);
        if (!Bidirectional) return final;
        return cat([final.narrow(1, 0, HiddenDim), rOut.select(1, 0).narrow(1, HiddenDim, HiddenDim)], 1);
    }

    /// <summary>
    /// The forward direction at each document's last word; bidirectional adds the backward direction at its first word,
    /// which is where the backward pass ends (its state after reading the whole document).
    /// </summary>
    private Tensor TrueLast(Tensor rOut, Tensor mask)
    {
        var forwardPart = Bidirectional ? rOut.narrow(2, 0, HiddenDim) : rOut;
        var atLast = AtStep(forwardPart, LastRealIndex(mask));
        if (!Bidirectional) return atLast;
        return cat([atLast, AtStep(rOut.narrow(2, HiddenDim, HiddenDim), FirstRealIndex(mask))], 1);
    }

    private static Tensor Mean(Tensor rOut, Tensor mask)
    {
        var weights = mask.unsqueeze(-1).to_type(rOut.dtype);                      // [B,T,1]
        var count = weights.sum(1).clamp_min(Scalars.One);                         // an empty document averages nothing: 0
        return (rOut * weights).sum(1) / count;
    }

    private static Tensor Max(Tensor rOut, Tensor mask)
    {
        var values = rOut.masked_fill(mask.logical_not().unsqueeze(-1), Scalars.NegativeInfinity).max(1).values;
        // An empty document would be -inf everywhere; give it zeros instead.
        return values.masked_fill(mask.any(1).logical_not().unsqueeze(-1), Scalars.Zero);
    }

    private Tensor AttentionPool(Tensor rOut, Tensor mask) =>
        (AttentionWeights(rOut, mask).unsqueeze(-1) * rOut).sum(1);

    /// <summary>
    /// Attention weights <c>[B,T]</c>: a softmax over the real steps of a learned score, exactly 0 on pads; a row with
    /// no real step gets all zeros (its pooled vector is 0).
    /// </summary>
    public Tensor AttentionWeights(Tensor rOut, Tensor mask)
    {
        if (score is null) throw new InvalidOperationException($"{Kind} pooling has no attention weights");
        CheckShapes(rOut, mask);
        var scores = score.call(rOut).squeeze(-1);                                 // [B,T]
        // Empty rows keep their scores so the softmax stays finite (no NaN in the backward pass); zeroed right after.
        var hide = mask.logical_not().logical_and(mask.any(1, keepdim: true));
        var weights = nn.functional.softmax(scores.masked_fill(hide, Scalars.NegativeInfinity), 1);
        return weights.masked_fill(mask.logical_not(), Scalars.Zero);
    }

    /// <summary>Index <c>[B]</c> of each row's last real step; a row without one gets the final column (as <c>last</c>).</summary>
    public static Tensor LastRealIndex(Tensor mask)
    {
        var steps = mask.shape[1];
        var positions = arange(steps, dtype: ScalarType.Int64, device: mask.device).expand(mask.shape[0], steps);
        var last = positions.masked_fill(mask.logical_not(), Scalars.MinusOne).max(1).values;
        using var finalColumn = (steps - 1).ToScalar();
        return last.masked_fill(last.lt(Scalars.Zero), finalColumn);
    }

    /// <summary>Index <c>[B]</c> of each row's first real step; a row without one gets column 0.</summary>
    public static Tensor FirstRealIndex(Tensor mask)
    {
        var steps = mask.shape[1];
        var positions = arange(steps, dtype: ScalarType.Int64, device: mask.device).expand(mask.shape[0], steps);
        using var pastTheEnd = steps.ToScalar();
        var first = positions.masked_fill(mask.logical_not(), pastTheEnd).min(1).values;
        return first.masked_fill(first.ge(pastTheEnd), Scalars.Zero);
    }

    /// <summary><c>values[b, index[b], :]</c> for every row: <c>[B,T,D]</c> and <c>[B]</c> to <c>[B,D]</c>.</summary>
    private static Tensor AtStep(Tensor values, Tensor index)
    {
        var gatherIndex = index.view(-1, 1, 1).expand(values.shape[0], 1, values.shape[2]);
        return values.gather(1, gatherIndex).squeeze(1);
    }

    private void CheckShapes(Tensor rOut, Tensor mask)
    {
        if (rOut.dim() != 3 || rOut.shape[2] != OutputDim)
            throw new ArgumentException($"r_out must be [B,T,{OutputDim}], got [{string.Join(",", rOut.shape)}]");
        if (mask.dtype != ScalarType.Bool || mask.dim() != 2 || mask.shape[0] != rOut.shape[0] || mask.shape[1] != rOut.shape[1])
            throw new ArgumentException($"mask must be bool [{rOut.shape[0]},{rOut.shape[1]}], got {mask.dtype} [{string.Join(",", mask.shape)}]");
    }
}

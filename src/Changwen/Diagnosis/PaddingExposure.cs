using Changwen.Data;
using Changwen.Models;

namespace Changwen.Diagnosis;

/// <summary>
/// How much padding the classifier reads after a document's last word: with post-padding and a classifier on the
/// last position (the original <c>r_out[:, -1, :]</c>), the LSTM runs through every pad step before its state is read.
/// </summary>
/// <param name="ShareEndingInPadding">Share of documents whose classified step is padding.</param>
/// <param name="MedianPadSteps">Median, over the documents that end in padding, of the pad steps between the last word and
/// the classified step (over all documents it would hide a long tail of padding behind the unpadded ones).</param>
public sealed record PaddingExposure(double ShareEndingInPadding, double MedianPadSteps)
{
    public static readonly PaddingExposure None = new(0, 0);

    /// <param name="readsLastStep">Whether the classifier reads the last row position: <c>options.Model.Pool == PoolKind.Last</c>.</param>
    public static PaddingExposure Of(EncodedDataset data, EncodingOptions encoding, ModelOptions model, bool readsLastStep)
    {
        if (!readsLastStep || encoding.Pad != PadSide.Post || data.Count == 0) return None;
        var padSteps = data.Lengths.Select(length => PadStepsRead(length, data.MaxLen, model)).ToArray();
        var padded = padSteps.Where(p => p > 0).ToArray();
        return new PaddingExposure((double)padded.Length / padSteps.Length, Median(padded));
    }

    /// <summary>Pad steps the LSTM runs after the last word (<see cref="ModelSpec.PadStepsRead"/>: MergeNet's are pooled).</summary>
    internal static int PadStepsRead(int length, int maxLen, ModelOptions model) =>
        ModelSpecs.Of(model.Kind).PadStepsRead(model, length, maxLen);

    internal static double Median(IReadOnlyList<int> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}

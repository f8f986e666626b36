using static TorchSharp.torch;

namespace Changwen.Training;

/// <summary>Counts of predicted classes, which the trainer keeps on validation for its observers (the diagnosis's collapse check): how often each class wins the argmax.</summary>
public static class PredictionCounts
{
    /// <summary>Adds the argmax classes of <paramref name="logits"/> <c>[B,C]</c> to <paramref name="counts"/> (length C).</summary>
    public static void Add(long[] counts, Tensor logits)
    {
        if (logits.dim() != 2 || logits.shape[1] != counts.Length)
            throw new ArgumentException($"logits must be [B,{counts.Length}], got [{string.Join(",", logits.shape)}]");
        using var scope = NewDisposeScope();
        var perClass = logits.argmax(1).bincount(null, counts.Length).data<long>().ToArray();
        for (var c = 0; c < counts.Length; c++) counts[c] += perClass[c];
    }

    /// <summary>How often each class is the true label of <paramref name="labels"/>.</summary>
    public static long[] Of(IEnumerable<int> labels, int numClasses)
    {
        var counts = new long[numClasses];
        foreach (var label in labels) counts[label]++;
        return counts;
    }
}

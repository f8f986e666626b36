namespace Changwen.Evaluation;

/// <summary>What every model's probability rows are judged by: the predicted class, accuracy and mean cross-entropy.</summary>
public static class Scores
{
    /// <summary>The most probable class (ties: the lower index).</summary>
    public static int ArgMax(float[] probabilities)
    {
        var best = 0;
        for (var i = 1; i < probabilities.Length; i++)
            if (probabilities[i] > probabilities[best]) best = i;
        return best;
    }

    /// <summary>Accuracy and mean cross-entropy of probability rows against labels (0 and 0 for none).</summary>
    public static (double Accuracy, double Loss) AccuracyAndLoss(IReadOnlyList<float[]> probabilities, IReadOnlyList<int> labels)
    {
        if (labels.Count == 0) return (0, 0);
        var correct = 0;
        var loss = 0.0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (ArgMax(probabilities[i]) == labels[i]) correct++;
            loss -= Math.Log(Math.Max(probabilities[i][labels[i]], 1e-30));
        }
        return ((double)correct / labels.Count, loss / labels.Count);
    }
}

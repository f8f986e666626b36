namespace Changwen.Training;

/// <summary>Per-class weights of the training loss, from the training labels.</summary>
public static class ClassWeights
{
    /// <summary>
    /// sklearn's "balanced" weights: class c weighs n / (C · n_c), with n training documents, C classes and n_c
    /// documents of class c, so every class contributes the same total weight. A class without training documents
    /// gets 1 (no document carries it, so it changes nothing).
    /// </summary>
    public static float[] Balanced(IReadOnlyList<int> labels, int numClasses)
    {
        var counts = new long[numClasses];
        foreach (var label in labels) counts[label]++;
        return counts.Select(count => count == 0 ? 1f : (float)((double)labels.Count / (numClasses * count))).ToArray();
    }
}

using Changwen.Data;
using Changwen.Diagnosis;

namespace Changwen.Tests.Diagnosis;

/// <summary>Hand-made datasets and metric streams for the diagnosis tests.</summary>
public static class DiagnosisFixtures
{
    /// <summary>Rows of word id 2 followed by post-padding (0), one per (length, label).</summary>
    public static EncodedDataset Dataset(int maxLen, IReadOnlyList<int> lengths, IReadOnlyList<int> labels)
    {
        var ids = new int[lengths.Count * maxLen];
        for (var d = 0; d < lengths.Count; d++)
            for (var t = 0; t < lengths[d]; t++) ids[d * maxLen + t] = 2;
        return new EncodedDataset(maxLen, ids, lengths.ToArray(), labels.ToArray());
    }

    /// <summary>Labels 0..classes-1 repeated <paramref name="perClass"/> times, interleaved (shuffled-looking) or sorted.</summary>
    public static int[] Labels(int classes, int perClass, bool sorted) =>
        sorted
            ? Enumerable.Range(0, classes).SelectMany(c => Enumerable.Repeat(c, perClass)).ToArray()
            : Enumerable.Range(0, classes * perClass).Select(i => i % classes).ToArray();

    public static WatchContext Context(int classes = 14, int stepsPerEpoch = 200, double lr = 0.001,
        bool padded = false, bool labelOrdered = false) => new()
    {
        NumClasses = classes, StepsPerEpoch = stepsPerEpoch, Lr = lr,
        ReadsLastPaddedStep = padded, ShareEndingInPadding = padded ? 0.93 : null, LabelOrderedUnshuffled = labelOrdered,
        ClassNames = Enumerable.Range(0, classes).Select(c => $"类{c}").ToList(),
    };

    /// <summary>Feeds <paramref name="losses"/> as steps 1.. (epochs of <paramref name="stepsPerEpoch"/>); returns every finding.</summary>
    public static List<Finding> FeedLosses(TrainingWatcher watcher, IEnumerable<double> losses, int stepsPerEpoch)
    {
        var found = new List<Finding>();
        long step = 0;
        foreach (var loss in losses)
        {
            step++;
            found.AddRange(watcher.OnStep((int)((step - 1) / stepsPerEpoch) + 1, step, loss));
        }
        return found;
    }

    /// <summary>Gaussian noise (Box–Muller), seeded.</summary>
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A loss hovering at ln C: the stalled run of the original post.</summary>
    public static IEnumerable<double> FlatAtChance(int classes, int steps, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < steps; i++) yield return Math.Log(classes) + 0.04 * Gaussian(random);
    }

    /// <summary>A healthy run: starts at ln C, falls steadily through the first epoch towards 0.3, with batch noise.</summary>
    public static IEnumerable<double> Falling(int classes, int steps, int stepsPerEpoch, int seed)
    {
        var random = new Random(seed);
        var chance = Math.Log(classes);
        for (var i = 0; i < steps; i++)
            yield return 0.3 + (chance - 0.3) * Math.Exp(-3.0 * i / stepsPerEpoch) + 0.05 * Gaussian(random);
    }
}

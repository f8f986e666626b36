using Changwen.Data;

namespace Changwen.Tests.Training;

/// <summary>
/// A tiny separable corpus: each class has its own eight token ids and every document mixes words of its class with
/// shared noise words, post-padded with 0 to <c>maxLen</c>.
/// </summary>
public static class SyntheticCorpus
{
    public const int Classes = 3;
    public const int VocabSize = 2 + Classes * 8 + 4; // <pad>, <unk>, class words, noise words

    public static EncodedDataset Create(int docsPerClass, int maxLen, int minLen, int seed)
    {
        var random = new Random(seed);
        var count = docsPerClass * Classes;
        var ids = new int[count * maxLen];
        var lengths = new int[count];
        var labels = new int[count];
        for (var d = 0; d < count; d++)
        {
            var label = d % Classes; // interleaved, so dataset order is not sorted by class
            var length = random.Next(minLen, maxLen + 1);
            for (var t = 0; t < length; t++)
                ids[d * maxLen + t] = random.Next(3) == 0
                    ? 2 + Classes * 8 + random.Next(4)          // noise shared by all classes
                    : 2 + label * 8 + random.Next(8);           // a word of the document's class
            lengths[d] = length;
            labels[d] = label;
        }
        return new EncodedDataset(maxLen, ids, lengths, labels);
    }
}

/// <summary>Torch's generator and thread count are process-wide: tests that train or seed run one at a time.</summary>
[CollectionDefinition("torch")]
public sealed class TorchCollection;

/// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>), so a test can act at an exact moment.</summary>
public sealed class SyncProgress(Action<ProgressUpdate> onReport) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate value) => onReport(value);
}

using Changwen.Data;
using static Changwen.Diagnosis.Show;

namespace Changwen.Diagnosis;

/// <summary>What the checks before training look at: plain data, so the caller decides where each piece comes from.</summary>
public sealed record PreTrainingInput
{
    public required TrainOptions Options { get; init; }
    public required EncodedDataset Train { get; init; }
    public required EncodedDataset Val { get; init; }
    /// <summary>Each training document's true token count before truncation (same order as <see cref="Train"/>).</summary>
    public required IReadOnlyList<int> RawTrainLengths { get; init; }
    /// <summary>Class names, index = label.</summary>
    public required IReadOnlyList<string> Classes { get; init; }
    /// <summary>Whether the corpus's training split comes sorted by label (<see cref="CorpusReport.OrderedByLabel"/>).</summary>
    public bool CorpusOrderedByLabel { get; init; }
    /// <summary>Share of training tokens that are not in the vocabulary (<c>Vocabulary.UnknownRate</c>).</summary>
    public double TrainUnknownRate { get; init; }
    /// <summary>Share of validation tokens that are not in the vocabulary.</summary>
    public double ValUnknownRate { get; init; }
    /// <summary>Vocabulary entries, the two reserved ones included.</summary>
    public required int VocabularySize { get; init; }
    /// <summary>
    /// Whether the classifier reads the last row position (<c>r_out[:, -1, :]</c>): <c>Options.Model.Pool == PoolKind.Last</c>.
    /// </summary>
    public bool ReadsLastStep { get; init; } = true;
}

/// <summary>Checks made before the first step: problems visible in the options and the data alone.</summary>
public static class PreTrainingChecks
{
    // Padding: above a fifth of documents the pad-state signal dominates the batch gradient; the original post had
    // most THUCNews documents shorter than 500 words, so nearly all were affected.
    public const double MaterialPaddedShare = 0.2;
    // Truncation/padding notes only when a majority of documents is affected: some cutting is normal and intended.
    public const double LargeTruncatedShare = 0.5;
    public const double LargeHalfPaddingShare = 0.5;
    // Imbalance: at 10:1 a model can reach high accuracy ignoring the small class; fewer than 20 documents cannot
    // teach a class reliably or measure it on val.
    public const double ImbalanceRatio = 10;
    public const int FewTrainingDocs = 20;
    // Unknown words: a tenth of val tokens unknown loses much of each document; val at twice train's rate (and 3
    // points above it) means the vocabulary was cut to fit train or val differs in vocabulary (another source).
    public const double HighUnknownRate = 0.10;
    public const double UnknownRateGap = 0.03;
    // Capacity: above ~1000 embedding parameters per training document most word vectors are fit from a handful of
    // occurrences; the original (≈50k words × 128 on ~100k documents) sits near 60.
    public const double ManyParametersPerDoc = 1000;

    public static IReadOnlyList<Finding> Run(PreTrainingInput input)
    {
        var findings = new List<Finding>();
        void Add(Finding? f) { if (f is not null) findings.Add(f); }
        Add(LabelOrder(input));
        Add(Padding(input));
        Add(Truncation(input));
        Add(Imbalance(input));
        Add(UnknownWords(input));
        Add(Capacity(input));
        return findings;
    }

    /// <summary>Training batches in label order when shuffling is off and the data (as the trainer will read it) is sorted.</summary>
    internal static Finding? LabelOrder(PreTrainingInput input)
    {
        if (input.Options.Optimizer.Shuffle) return null;
        var labels = input.Train.Labels;
        var runs = LabelRuns(labels);
        var classes = labels.Distinct().Count();
        if (!input.CorpusOrderedByLabel && !CorpusInspector.IsOrderedByLabel(runs, classes, labels.Length)) return null;
        return new Finding
        {
            Code = FindingCode.LabelOrderedUnshuffled, Severity = Severity.Warning,
            Message = Inv($"training data is sorted by label ({runs} label runs for {classes} classes) and shuffling is off: every epoch learns one class after another and ends favouring the last. Drop --no-shuffle"),
            Evidence = new Dictionary<string, object> { ["label_runs"] = runs, ["classes"] = classes, ["train_docs"] = labels.Length, ["shuffle"] = false },
        };
    }

    internal static Finding? Padding(PreTrainingInput input)
    {
        var exposure = PaddingExposure.Of(input.Train, input.Options.Encoding, input.Options.Model, input.ReadsLastStep);
        if (exposure.ShareEndingInPadding <= MaterialPaddedShare) return null;
        return new Finding
        {
            Code = FindingCode.PaddingLastStep, Severity = Severity.Warning,
            Message = Inv($"the classifier reads the last step, which is padding for {Percent(exposure.ShareEndingInPadding)} of training documents (they end a median {exposure.MedianPadSteps:0} pad steps before the step read, at --max-len {input.Train.MaxLen} --pad post): the LSTM forgets the words. Use --pool true-last or --pad pre"),
            Evidence = new Dictionary<string, object>
            {
                ["share_ending_in_padding"] = Round(exposure.ShareEndingInPadding), ["median_pad_steps"] = exposure.MedianPadSteps,
                ["max_len"] = input.Train.MaxLen, ["pad"] = "post", ["pool"] = "last",
            },
        };
    }

    internal static Finding? Truncation(PreTrainingInput input)
    {
        var raw = input.RawTrainLengths;
        if (raw.Count == 0) return null;
        var maxLen = input.Options.Encoding.MaxLen;
        var truncated = (double)raw.Count(n => n > maxLen) / raw.Count;
        // "More than half padding": fewer than maxLen/2 words kept.
        var halfPadding = (double)raw.Count(n => Math.Min(n, maxLen) * 2 < maxLen) / raw.Count;
        if (truncated < LargeTruncatedShare && halfPadding < LargeHalfPaddingShare) return null;
        var percentiles = LengthPercentiles.Of(raw);
        var suggested = RoundUp(percentiles.P90, 50);
        return new Finding
        {
            Code = FindingCode.Truncation, Severity = Severity.Info,
            Message = Inv($"--max-len {maxLen} cuts {Percent(truncated)} of training documents and leaves {Percent(halfPadding)} more than half padding (median {percentiles.P50} words, 90th percentile {percentiles.P90}): --max-len {suggested} would keep 90% whole"),
            Evidence = new Dictionary<string, object>
            {
                ["max_len"] = maxLen, ["share_truncated"] = Round(truncated), ["share_more_than_half_padding"] = Round(halfPadding),
                ["median_words"] = percentiles.P50, ["p90_words"] = percentiles.P90, ["suggested_max_len"] = suggested,
            },
        };
    }

    internal static Finding? Imbalance(PreTrainingInput input)
    {
        var counts = new int[input.Classes.Count];
        foreach (var label in input.Train.Labels) counts[label]++;
        if (counts.Length < 2) return null;
        var largest = counts.Max();
        var smallest = counts.Min();
        var ratio = smallest == 0 ? double.PositiveInfinity : (double)largest / smallest;
        var few = Enumerable.Range(0, counts.Length).Where(c => counts[c] < FewTrainingDocs).ToList();
        if (ratio < ImbalanceRatio && few.Count == 0) return null;
        var big = input.Classes[Array.IndexOf(counts, largest)];
        var small = input.Classes[Array.IndexOf(counts, smallest)];
        var fewList = string.Join(", ", few.Select(c => Inv($"{input.Classes[c]} ({counts[c]})")));
        // Balanced but small classes are a different problem from skew: say which one it is.
        var message = ratio >= ImbalanceRatio
            ? Inv($"classes are imbalanced: {big} has {largest} training documents, {small} {smallest}{(few.Count == 0 ? "" : $"; fewer than {FewTrainingDocs} training documents: {fewList}")}. Accuracy will favour the large classes: judge per-class recall in the test report, and add documents to the small classes or merge them")
            : Inv($"{few.Count} of {counts.Length} classes have fewer than {FewTrainingDocs} training documents: {fewList}. Too few to learn them reliably or to measure them on validation: add documents to them or merge them");
        return new Finding
        {
            // A balanced corpus is not imbalanced, however small its classes.
            Code = ratio >= ImbalanceRatio ? FindingCode.Imbalance : FindingCode.SmallClasses, Severity = Severity.Warning,
            Message = message,
            Evidence = new Dictionary<string, object>
            {
                ["largest_class"] = big, ["largest"] = largest, ["smallest_class"] = small, ["smallest"] = smallest,
                ["ratio"] = Round(ratio), ["classes_with_few_docs"] = few.Count,
            },
        };
    }

    internal static Finding? UnknownWords(PreTrainingInput input)
    {
        double train = input.TrainUnknownRate, val = input.ValUnknownRate;
        var high = val >= HighUnknownRate;
        var gap = val - train >= UnknownRateGap && val >= 2 * train;
        if (!high && !gap) return null;
        var remedy = input.Options.Vocabulary.MaxVocab > 0 && input.VocabularySize >= input.Options.Vocabulary.MaxVocab
            ? Inv($"raise --max-vocab (now {input.Options.Vocabulary.MaxVocab}) or use --tokenizer char")
            : input.Options.Vocabulary.MinCount > 1 ? Inv($"lower --min-count (now {input.Options.Vocabulary.MinCount}) or use --tokenizer char")
            : "use --tokenizer char, or train on documents closer to the validation set";
        return new Finding
        {
            Code = FindingCode.UnknownWords, Severity = Severity.Warning,
            Message = Inv($"{Percent(val)} of validation words are unknown to the vocabulary (train {Percent(train)}): the model sees <unk> where words were. {char.ToUpperInvariant(remedy[0])}{remedy[1..]}"),
            Evidence = new Dictionary<string, object>
            {
                ["val_unknown_rate"] = Round(val), ["train_unknown_rate"] = Round(train), ["vocabulary_size"] = input.VocabularySize,
            },
        };
    }

    internal static Finding? Capacity(PreTrainingInput input)
    {
        var embedding = (long)input.VocabularySize * input.Options.Model.EmbeddingDim;
        var perDoc = (double)embedding / Math.Max(1, input.Train.Count);
        if (perDoc < ManyParametersPerDoc) return null;
        return new Finding
        {
            Code = FindingCode.Capacity, Severity = Severity.Info,
            Message = Inv($"{embedding:N0} embedding parameters ({input.VocabularySize} words × {input.Options.Model.EmbeddingDim}) for {input.Train.Count} training documents ({perDoc:0} per document): risk of overfitting. Consider a smaller --max-vocab or --embedding-dim, or --patience 2"),
            Evidence = new Dictionary<string, object>
            {
                ["embedding_parameters"] = embedding, ["train_docs"] = input.Train.Count, ["parameters_per_doc"] = Round(perDoc),
            },
        };
    }

    internal static int LabelRuns(IReadOnlyList<int> labels)
    {
        var runs = 0;
        for (var i = 0; i < labels.Count; i++)
            if (i == 0 || labels[i] != labels[i - 1]) runs++;
        return runs;
    }

    private static int RoundUp(int value, int step) => Math.Max(step, (value + step - 1) / step * step);
}

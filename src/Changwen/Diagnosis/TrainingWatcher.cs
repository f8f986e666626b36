using Changwen.Data;
using Changwen.Models;
using Changwen.Runs;
using static Changwen.Diagnosis.Show;

namespace Changwen.Diagnosis;

/// <summary>What the watcher needs to know about a run to judge its numbers and name causes.</summary>
public sealed record WatchContext
{
    /// <summary>Classes C: an untrained classifier's loss is ln C.</summary>
    public required int NumClasses { get; init; }
    /// <summary>Class names, index = label (for messages); null names them by index.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }
    /// <summary>Optimiser steps in one epoch.</summary>
    public required int StepsPerEpoch { get; init; }
    /// <summary>The learning rate the run uses, for suggesting a lower one.</summary>
    public required double Lr { get; init; }
    /// <summary>True when the classifier reads padding for a material share of documents (a padding-last-step run).</summary>
    public bool ReadsLastPaddedStep { get; init; }
    /// <summary>Share of documents whose classified step is padding, when known.</summary>
    public double? ShareEndingInPadding { get; init; }
    /// <summary>True when training batches come sorted by label without shuffling.</summary>
    public bool LabelOrderedUnshuffled { get; init; }
    /// <summary>
    /// The training loss of a classifier that has learned only how common each class is: the entropy of the class
    /// shares the loss weighs (<see cref="PriorLossOf"/>). Below ln C when classes are unbalanced; null means ln C.
    /// </summary>
    public double? PriorLoss { get; init; }
    /// <summary>
    /// When the classifier reads one LSTM step (pool last or true-last, one direction): the median number of steps from a
    /// document's first word to that step, the path the error travels back to the early words. Null when it pools over
    /// the words (mean, max, attention), reads both directions, or the path is unknown.
    /// </summary>
    public double? MedianPathToReadStep { get; init; }

    /// <summary>The context of a run about to train on <paramref name="train"/> with <paramref name="options"/>.</summary>
    /// <param name="readsLastStep"><c>options.Model.Pool == PoolKind.Last</c>: the classifier reads the final row position.</param>
    /// <param name="corpusOrderedByLabel"><see cref="CorpusReport.OrderedByLabel"/> of the corpus.</param>
    public static WatchContext For(TrainOptions options, IReadOnlyList<string> classes, EncodedDataset train, bool readsLastStep, bool corpusOrderedByLabel)
    {
        var exposure = PaddingExposure.Of(train, options.Encoding, options.Model, readsLastStep);
        var sorted = corpusOrderedByLabel ||
                     CorpusInspector.IsOrderedByLabel(PreTrainingChecks.LabelRuns(train.Labels), train.Labels.Distinct().Count(), train.Count);
        return new WatchContext
        {
            NumClasses = classes.Count, ClassNames = classes, Lr = options.Optimizer.Lr,
            StepsPerEpoch = (train.Count + options.Optimizer.BatchSize - 1) / options.Optimizer.BatchSize,
            ReadsLastPaddedStep = exposure.ShareEndingInPadding > PreTrainingChecks.MaterialPaddedShare,
            ShareEndingInPadding = exposure.ShareEndingInPadding,
            LabelOrderedUnshuffled = sorted && !options.Optimizer.Shuffle,
            PriorLoss = PriorLossOf(CountClasses(train.Labels, classes.Count), options.Optimizer),
            MedianPathToReadStep = ReadsOneStep(options.Model) && train.Count > 0
                ? PaddingExposure.Median(train.Lengths.Select(length => PathToReadStep(length, train.MaxLen, options)!.Value).ToArray())
                : null,
        };
    }

    /// <summary>True when the classifier reads a single step of one LSTM direction (pool last or true-last).</summary>
    public static bool ReadsOneStep(ModelOptions model) => ModelSpecs.Of(model.Kind).ReadsOneStep(model);

    /// <summary>
    /// LSTM steps from the first word of a document of <paramref name="length"/> words to the step read: the whole row
    /// for the post's last step on post-padded rows of <paramref name="maxLen"/> (a bucketed batch is cut to its longest
    /// document, about this one's length), else the words; MergeNet's LSTM steps are pooled, p words each. Null when
    /// the length matters and is unknown.
    /// </summary>
    public static int? PathToReadStep(int? length, int maxLen, TrainOptions options)
    {
        var wholeRow = options.Model.Pool == PoolKind.Last && options.Encoding.Pad == PadSide.Post && !options.Optimizer.Bucket;
        if (!wholeRow && length is null) return null;
        var words = wholeRow ? maxLen : Math.Min(length!.Value, maxLen);
        return ModelSpecs.Of(options.Model.Kind).RecurrentSteps(options.Model, words);
    }

    /// <summary>
    /// The loss of always answering the class shares, given documents per class. Balanced class weights or balanced
    /// sampling make every class weigh the same in the loss, so their prior loss is ln C; otherwise it is the entropy
    /// of the shares (for thucnews' 14 unbalanced classes 2.17 against ln 14 = 2.64). Null without any count.
    /// </summary>
    public static double? PriorLossOf(IReadOnlyList<long> classCounts, OptimizerOptions optimizer)
    {
        var total = classCounts.Sum();
        if (total == 0 || classCounts.Count < 2) return null;
        if (optimizer.ClassWeight == ClassWeighting.Balanced || optimizer.Sampler == SamplerKind.Balanced) return Math.Log(classCounts.Count);
        return -classCounts.Where(n => n > 0).Sum(n => (double)n / total * Math.Log((double)n / total));
    }

    private static long[] CountClasses(IEnumerable<int> labels, int numClasses)
    {
        var counts = new long[numClasses];
        foreach (var label in labels) counts[label]++;
        return counts;
    }
}

/// <summary>
/// Watches a training run through plain calls from the trainer (losses, gradient norms, epoch results) and says what
/// is going wrong. Each call returns the findings it made; each detector reports at most once per watcher.
/// </summary>
public sealed class TrainingWatcher
{
    // Losses are averaged over this many steps: one batch's loss is noisy, twenty give a steady level (the noise of
    // the mean is ~1/√20 of a batch's) while still reacting within a fraction of an epoch.
    public const int SmoothingWindow = 20;
    // Plateau: the smoothed loss never went 5% below the prior loss (what answering the class shares costs; ln C for
    // balanced classes) and is not above ln C by more than 5%: the model has learned nothing about the words. Batch
    // noise of a 20-step mean is well inside that band. On unbalanced data a stalled run sits at the prior loss, far
    // under ln C (thucnews: 2.17 against 2.64), so a band around ln C alone misses it.
    public const double PlateauBand = 0.05;
    // Judge a plateau only after a whole epoch (a healthy run may need some hundreds of steps to leave ln C), but at
    // least 50 steps so tiny data sets do not decide on noise, and at most 1000 so a long epoch still warns early.
    public const int MinPlateauSteps = 50;
    public const int MaxPlateauSteps = 1000;
    // lr-too-high: a smoothed loss 1.5× above chance means updates overshoot: the model is worse than guessing.
    public const double LossAboveChance = 1.5;
    // Collapse: almost every validation prediction is one class which is not the bulk of the validation set, at the
    // end of two epochs in a row. One epoch is not enough: on small corpora healthy runs (max pooling, 50 words) also
    // answer one class after their first epoch and leave it in the second, while the stalled runs of
    // docs/experiments.md answered one class for several epochs (and the plateau rule names a stall early anyway).
    public const double CollapsePredictedShare = 0.9;
    public const double CollapseTrueShareBelow = 0.5;
    public const int CollapseEpochs = 2;
    // Validation overrules the loss: a run whose validation accuracy beats the most frequent class's share on
    // validation by this much has learned more than the class frequencies, whatever its training loss looks like (a
    // healthy MergeNet run sat near the class-frequency loss at epoch 2 with 43.5 % val accuracy against 7 %).
    public const double BeatsFrequenciesBy = 0.05;
    // Vanishing: the LSTM's gradient three orders of magnitude below the classifier's, for 30 records in a row
    // (single small values happen; a sustained gap means the LSTM does not learn).
    public const double VanishingRatio = 1e3;
    public const int VanishingSustainRecords = 30;
    // Exploding: a total gradient norm 50× its running median (over the last 100 records, once 20 are known).
    // Ordinary batch-to-batch variation stays within a few times the median.
    public const double ExplodingSpike = 50;
    public const int GradientMedianWindow = 100;
    public const int MinGradientRecords = 20;
    // Overfitting: training set (almost) memorised while validation stopped improving for 2 epochs and its loss rose.
    public const double MemorisedTrainAccuracy = 0.98;
    public const int EpochsWithoutImprovement = 2;
    // A long path: the post's LSTM learned at 50 words and stalled at 500; in Changwen's runs reading the true last word
    // or pre-padding at 500 words still stalled on fudan, where pooling over the words did not. A stall with a path of
    // a few hundred steps or more names it.
    public const int LongPathSteps = 200;

    private readonly WatchContext context;
    private readonly double chance;
    private readonly double prior;
    private readonly int plateauCheckSteps;
    private readonly HashSet<string> reported = [];

    private readonly Queue<double> window = new();
    private double windowSum;
    private long stepsSeen;
    private double lowestSmoothed = double.PositiveInfinity;

    private readonly Queue<double> recentGradientNorms = new();
    private int vanishingStreak;
    private int collapsedEpochs;
    /// <summary>The latest epoch's validation accuracy beat the most frequent class's share by <see cref="BeatsFrequenciesBy"/>.</summary>
    private bool learnedOnValidation;

    /// <summary>
    /// Whether the latest epoch's validation accuracy beat the most frequent class's share by
    /// <see cref="BeatsFrequenciesBy"/>: a plateau or collapse found earlier no longer holds.
    /// </summary>
    public bool LearnedOnValidation => learnedOnValidation;

    /// <summary>The findings that validation overrules once the model beats the class frequencies.</summary>
    public static readonly IReadOnlyList<string> OverruledByValidation = [FindingCode.Plateau, FindingCode.Collapse];
    private readonly List<EpochRecord> epochs = [];

    public TrainingWatcher(WatchContext context)
    {
        if (context.NumClasses < 2) throw new ArgumentOutOfRangeException(nameof(context), "a classifier needs at least 2 classes");
        this.context = context;
        chance = Math.Log(context.NumClasses);
        prior = Math.Min(context.PriorLoss ?? chance, chance);
        plateauCheckSteps = Math.Clamp(context.StepsPerEpoch, MinPlateauSteps, MaxPlateauSteps);
    }

    /// <summary>The loss of one optimiser step (the mini-batch mean, as in metrics.jsonl).</summary>
    public IReadOnlyList<Finding> OnStep(int epoch, long step, double loss)
    {
        var found = new List<Finding>();
        if (!double.IsFinite(loss))
        {
            Report(found, LrTooHigh(epoch, step, loss, smoothed: null));
            return found;
        }
        stepsSeen++;
        window.Enqueue(loss);
        windowSum += loss;
        if (window.Count > SmoothingWindow) windowSum -= window.Dequeue();
        if (window.Count < SmoothingWindow) return found;

        var smoothed = windowSum / SmoothingWindow;
        lowestSmoothed = Math.Min(lowestSmoothed, smoothed);
        if (smoothed > LossAboveChance * chance) Report(found, LrTooHigh(epoch, step, loss, smoothed));
        // A plateau never left the band from the start: once the smoothed loss has gone below it, the run learned.
        if (!learnedOnValidation && stepsSeen >= plateauCheckSteps && lowestSmoothed >= (1 - PlateauBand) * prior && smoothed <= (1 + PlateauBand) * chance)
            Report(found, Plateau(epoch, step, smoothed));
        return found;
    }

    /// <summary>
    /// Gradient L2 norms per parameter group after a backward pass (keys as <see cref="GradientNorms.ByGroup"/> makes
    /// them: "embedding", "conv", "lstm layer k", "classifier"), measured before any clipping.
    /// </summary>
    public IReadOnlyList<Finding> OnGradientNorms(int epoch, long step, IReadOnlyDictionary<string, double> normsByGroup)
    {
        var found = new List<Finding>();
        var bad = normsByGroup.FirstOrDefault(kv => !double.IsFinite(kv.Value));
        if (bad.Key is not null)
        {
            Report(found, new Finding
            {
                Code = FindingCode.ExplodingGradients, Severity = Severity.Warning, Epoch = epoch, Step = step,
                Message = Inv($"the gradient of {bad.Key} is {bad.Value} at step {step}: use --clip-grad-norm 1 and a lower learning rate, e.g. --lr {Lr(context.Lr / 10)}"),
                Evidence = new Dictionary<string, object> { ["group"] = bad.Key, ["norm"] = bad.Value, ["lr"] = context.Lr },
            });
            return found;
        }

        var total = Math.Sqrt(normsByGroup.Values.Sum(n => n * n));
        if (recentGradientNorms.Count >= MinGradientRecords)
        {
            var median = Median(recentGradientNorms);
            if (median > 0 && total >= ExplodingSpike * median)
                Report(found, new Finding
                {
                    Code = FindingCode.ExplodingGradients, Severity = Severity.Warning, Epoch = epoch, Step = step,
                    Message = Inv($"gradient norm {total:G3} at step {step} is {total / median:0}× its running median {median:G3}: use --clip-grad-norm 1, or a lower learning rate, e.g. --lr {Lr(context.Lr / 10)}"),
                    Evidence = new Dictionary<string, object> { ["norm"] = Round(total), ["running_median"] = Round(median), ["ratio"] = Round(total / median), ["lr"] = context.Lr },
                });
        }
        recentGradientNorms.Enqueue(total);
        if (recentGradientNorms.Count > GradientMedianWindow) recentGradientNorms.Dequeue();

        Vanishing(found, epoch, step, normsByGroup);
        return found;
    }

    /// <summary>
    /// A finished epoch, with how often each class was predicted on val and how often it is the true class there
    /// (both indexed by label; null when not counted).
    /// </summary>
    public IReadOnlyList<Finding> OnEpoch(EpochRecord record, IReadOnlyList<long>? valPredicted = null, IReadOnlyList<long>? valActual = null)
    {
        var found = new List<Finding>();
        epochs.Add(record);
        // Judged on the latest epoch: a run that learned and then fell back to the class frequencies is watched again.
        if (valActual is not null && valActual.Sum() is > 0 and var valDocs)
            learnedOnValidation = record.ValAccuracy > (double)valActual.Max() / valDocs + BeatsFrequenciesBy;
        if (valPredicted is not null && valActual is not null && !learnedOnValidation) Collapse(found, record.Epoch, valPredicted, valActual);
        Overfitting(found, record);
        return found;
    }

    private void Vanishing(List<Finding> found, int epoch, long step, IReadOnlyDictionary<string, double> norms)
    {
        var lstm = norms.Where(kv => kv.Key.StartsWith(GradientNorms.LstmLayerPrefix, StringComparison.Ordinal)).ToList();
        if (!norms.TryGetValue(GradientNorms.Classifier, out var classifier) || classifier <= 0 || lstm.Count == 0)
        {
            vanishingStreak = 0;
            return;
        }
        var weakest = lstm.MinBy(kv => kv.Value);
        vanishingStreak = weakest.Value == 0 || classifier / weakest.Value >= VanishingRatio ? vanishingStreak + 1 : 0;
        if (vanishingStreak < VanishingSustainRecords) return;
        var ratio = weakest.Value == 0 ? double.PositiveInfinity : classifier / weakest.Value;
        var remedy = context.ReadsLastPaddedStep
            ? "the classifier's signal fades through the pad steps: use --pool true-last or --pad pre"
            : "the LSTM barely learns: use --init orthogonal, a shorter --max-len, or --model mergenet";
        Report(found, new Finding
        {
            Code = FindingCode.VanishingGradients, Severity = Severity.Warning, Epoch = epoch, Step = step,
            Message = Inv($"{weakest.Key} gradient norm {weakest.Value:G3} is {ratio:G3}× below the classifier's {classifier:G3} for {vanishingStreak} records in a row: {remedy}"),
            Evidence = new Dictionary<string, object>
            {
                ["group"] = weakest.Key, ["lstm_norm"] = Round(weakest.Value), ["classifier_norm"] = Round(classifier),
                ["ratio"] = Round(ratio), ["records"] = vanishingStreak,
            },
        });
    }

    private void Collapse(List<Finding> found, int epoch, IReadOnlyList<long> predicted, IReadOnlyList<long> actual)
    {
        var total = predicted.Sum();
        var valDocs = actual.Sum();
        if (total == 0 || valDocs == 0) return;
        var top = Enumerable.Range(0, predicted.Count).MaxBy(c => predicted[c]);
        var predictedShare = (double)predicted[top] / total;
        var trueShare = top < actual.Count ? (double)actual[top] / valDocs : 0;
        collapsedEpochs = predictedShare > CollapsePredictedShare && trueShare < CollapseTrueShareBelow ? collapsedEpochs + 1 : 0;
        if (collapsedEpochs < CollapseEpochs) return;
        var name = context.ClassNames is { } names && top < names.Count ? names[top] : Inv($"class {top}");
        Report(found, new Finding
        {
            Code = FindingCode.Collapse, Severity = Severity.Warning, Epoch = epoch,
            Message = Inv($"epochs {epoch - collapsedEpochs + 1}–{epoch}: {Percent(predictedShare)} of validation predictions are {name}, which is {Percent(trueShare)} of the validation set: the model predicts one class. {Causes()}"),
            Evidence = new Dictionary<string, object>
            {
                ["class"] = name, ["predicted_share"] = Round(predictedShare), ["true_share"] = Round(trueShare),
                ["epochs"] = collapsedEpochs,
            },
        });
    }

    private void Overfitting(List<Finding> found, EpochRecord latest)
    {
        var best = 0;
        for (var i = 1; i < epochs.Count; i++)
            if (epochs[i].ValAccuracy > epochs[best].ValAccuracy) best = i;
        var since = epochs.Count - 1 - best;
        var bestEpoch = epochs[best];
        if (since < EpochsWithoutImprovement || latest.TrainAccuracy < MemorisedTrainAccuracy || latest.ValLoss <= bestEpoch.ValLoss) return;
        Report(found, new Finding
        {
            Code = FindingCode.Overfitting, Severity = Severity.Warning, Epoch = latest.Epoch,
            Message = Inv($"train accuracy {Percent(latest.TrainAccuracy)} but val accuracy has not beaten {Percent(bestEpoch.ValAccuracy)} (epoch {bestEpoch.Epoch}) for {since} epochs and val loss rose {bestEpoch.ValLoss:0.###} → {latest.ValLoss:0.###}: the model memorises the training set. best.pt keeps epoch {bestEpoch.Epoch}; use --patience {EpochsWithoutImprovement}, or a smaller --embedding-dim or --max-vocab"),
            Evidence = new Dictionary<string, object>
            {
                ["train_accuracy"] = Round(latest.TrainAccuracy), ["best_val_accuracy"] = Round(bestEpoch.ValAccuracy), ["best_epoch"] = bestEpoch.Epoch,
                ["epochs_without_improvement"] = since, ["best_val_loss"] = Round(bestEpoch.ValLoss), ["val_loss"] = Round(latest.ValLoss),
            },
        });
    }

    private Finding LrTooHigh(int epoch, long step, double loss, double? smoothed)
    {
        var lower = Lr(context.Lr / 10);
        return new Finding
        {
            Code = FindingCode.LrTooHigh, Severity = Severity.Warning, Epoch = epoch, Step = step,
            Message = smoothed is null
                ? Inv($"the loss became {loss} at step {step} (learning rate {Lr(context.Lr)}): lower the learning rate, e.g. --lr {lower}")
                : Inv($"the loss ({smoothed:0.###} over {SmoothingWindow} steps) is {smoothed / chance:0.#}× ln {context.NumClasses} = {chance:0.###}, worse than guessing, at step {step} (learning rate {Lr(context.Lr)}): lower it, e.g. --lr {lower}"),
            Evidence = new Dictionary<string, object>
            {
                ["loss"] = Round(smoothed ?? loss), ["chance_loss"] = Round(chance), ["lr"] = context.Lr, ["suggested_lr"] = context.Lr / 10,
            },
        };
    }

    private Finding Plateau(int epoch, long step, double smoothed) => new()
    {
        Code = FindingCode.Plateau, Severity = Severity.Warning, Epoch = epoch, Step = step,
        Message = AtPriorLevel(smoothed)
            ? Inv($"the loss has stayed at the class-frequency level for {stepsSeen} steps ({smoothed:0.###} vs {prior:0.###} for answering every document with the class shares; ln {context.NumClasses} = {chance:0.###}): the model has learned how common each class is, not the words. {Causes()}")
            : Inv($"the loss has stayed at chance for {stepsSeen} steps ({smoothed:0.###} vs ln {context.NumClasses} = {chance:0.###}): the model is not learning. {Causes()}"),
        Evidence = new Dictionary<string, object>
        {
            ["loss"] = Round(smoothed), ["chance_loss"] = Round(chance), ["prior_loss"] = Round(prior), ["lowest_loss"] = Round(lowestSmoothed), ["steps"] = stepsSeen,
            ["cause"] = context.ReadsLastPaddedStep ? FindingCode.PaddingLastStep : context.LabelOrderedUnshuffled ? FindingCode.LabelOrderedUnshuffled : LongPath ? "long-path" : "unknown",
        },
    };

    /// <summary>
    /// True when the loss sits nearer the prior loss than ln C, and the two are told apart by more than the band (on
    /// balanced data they are the same level and the message says "chance").
    /// </summary>
    private bool AtPriorLevel(double smoothed) =>
        prior < (1 - PlateauBand) * chance && Math.Abs(smoothed - prior) < Math.Abs(smoothed - chance);

    private bool LongPath => context.MedianPathToReadStep >= LongPathSteps;

    /// <summary>The known causes of a stalled or one-class run, each with its fix; else what to try.</summary>
    private string Causes()
    {
        var causes = new List<string>();
        if (context.ReadsLastPaddedStep)
            causes.Add(context.ShareEndingInPadding is { } share
                ? Inv($"The classifier reads the last step, padding for {Percent(share)} of documents: use --pool true-last or --pad pre")
                : "The classifier reads the last step, which is padding: use --pool true-last or --pad pre");
        if (context.LabelOrderedUnshuffled)
            causes.Add("Training data is sorted by label and not shuffled: drop --no-shuffle");
        if (causes.Count == 0 && LongPath)
            causes.Add(Inv($"The classifier reads one step, a median {context.MedianPathToReadStep:0} LSTM steps after a document's first word, so the error reaches the early words only through them: use --pool max (or mean, attention), which gives every word a direct path"));
        if (causes.Count == 0)
            causes.Add(Inv($"Try another learning rate, e.g. --lr {Lr(context.Lr / 10)} or --lr {Lr(context.Lr * 3)}"));
        return string.Join("; ", causes);
    }

    private void Report(List<Finding> found, Finding finding)
    {
        if (reported.Add(finding.Code)) found.Add(finding);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

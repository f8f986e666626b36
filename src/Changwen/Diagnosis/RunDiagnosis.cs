using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Diagnosis;

/// <summary>Diagnoses a run after the fact, from what its run folder recorded.</summary>
public static class RunDiagnosis
{
    /// <summary>
    /// The findings of the run in <paramref name="runDir"/>: those recorded in <c>diagnosis.json</c> (the pre-training
    /// checks among them), then whatever the stream detectors find when the recorded steps, gradient norms and epochs of
    /// <c>metrics.jsonl</c> are replayed through a <see cref="TrainingWatcher"/>. Each code appears once, the recorded
    /// finding first.
    /// </summary>
    public static IReadOnlyList<Finding> Explain(string runDir)
    {
        var options = RunFolder.ReadOptions(runDir);
        var classes = RunFolder.ReadLabels(runDir);
        var metricsPath = Path.Combine(runDir, RunFolder.MetricsFile);
        if (!File.Exists(metricsPath))
            throw UserInputException.At(metricsPath, null, "missing: the run has not started training. Train it first, or pass the folder of a run that trained");
        if (classes.Count < 2)
            throw UserInputException.At(Path.Combine(runDir, RunFolder.LabelsFile), null, $"lists {classes.Count} class(es); a classifier needs at least 2. Retrain or restore the run folder");

        var diagnosisPath = Path.Combine(runDir, RunFolder.DiagnosisFile);
        var recorded = File.Exists(diagnosisPath) ? DiagnosisLog.Read(diagnosisPath) : null;
        var steps = MetricsLog.Read(metricsPath).Steps;
        var validationCounts = DiagnosisRecords.Read(metricsPath).Predictions.FirstOrDefault()?.Actual;

        var log = new DiagnosisLog();
        if (recorded is not null) log.Add(recorded);
        log.Add(Replay(new TrainingWatcher(Context(runDir, options, classes, steps, validationCounts, recorded)), metricsPath));
        return log.Findings;
    }

    /// <summary>
    /// Feeds what <paramref name="metricsPath"/> recorded to <paramref name="watcher"/> in training order (each epoch's
    /// steps and gradient norms by step, then its epoch record with its prediction counts) and returns the findings.
    /// A resumed run can call it on a fresh watcher so detectors judge the whole run, not just the resumed part.
    /// </summary>
    public static IReadOnlyList<Finding> Replay(TrainingWatcher watcher, string metricsPath)
    {
        var (steps, epochs) = MetricsLog.Read(metricsPath);
        var (gradients, predictions) = DiagnosisRecords.Read(metricsPath);
        var found = new List<Finding>();
        var stepsByEpoch = steps.ToLookup(s => s.Epoch);
        var gradientsByEpoch = gradients.ToLookup(g => g.Epoch);
        var predictionsByEpoch = predictions.GroupBy(p => p.Epoch).ToDictionary(g => g.Key, g => g.Last());
        var epochRecords = epochs.ToDictionary(e => e.Epoch);
        var lastEpoch = Math.Max(steps.Count == 0 ? 0 : steps.Max(s => s.Epoch), epochs.Count == 0 ? 0 : epochs.Max(e => e.Epoch));
        for (var e = 1; e <= lastEpoch; e++)
        {
            var epoch = e; // captured by the replay closures below
            var events = stepsByEpoch[epoch].Select(s => (s.Step, Order: 0, Run: (Func<IReadOnlyList<Finding>>)(() => watcher.OnStep(epoch, s.Step, s.Loss))))
                .Concat(gradientsByEpoch[epoch].Select(g => (g.Step, Order: 1, Run: (Func<IReadOnlyList<Finding>>)(() => watcher.OnGradientNorms(epoch, g.Step, g.Groups)))))
                .OrderBy(x => x.Step).ThenBy(x => x.Order);
            foreach (var item in events) found.AddRange(item.Run());
            if (epochRecords.TryGetValue(epoch, out var record))
            {
                predictionsByEpoch.TryGetValue(epoch, out var counts);
                found.AddRange(watcher.OnEpoch(record, counts?.Predicted, counts?.Actual));
            }
        }
        return found;
    }

    /// <summary>
    /// What the watcher needs, from the run folder: class count and learning rate from the options; steps per epoch from
    /// summary.json's training documents (else the steps recorded in epoch 1); the padding and label-order causes from
    /// the pre-training findings. Without diagnosis.json, post-padding with pool "last" is taken to mean the classifier
    /// reads padding, with its share unknown. The class shares of the prior loss are the validation set's, recorded with
    /// the predictions (Changwen's own split is stratified, so they are the training shares to within a document per
    /// class); without them the prior loss is ln C. The path to the step read is exact for the post's last step on
    /// post-padded, unbucketed rows (the whole row); otherwise it comes from the median document length the truncation
    /// check recorded, and is unknown without it.
    /// </summary>
    private static WatchContext Context(string runDir, TrainOptions options, IReadOnlyList<string> classes,
        List<StepRecord> steps, IReadOnlyList<long>? validationCounts, IReadOnlyList<Finding>? recorded)
    {
        var summaryPath = Path.Combine(runDir, RunFolder.SummaryFile);
        var trainDocs = 0;
        try
        {
            if (File.Exists(summaryPath)) trainDocs = Json.Deserialize<TrainingSummary>(File.ReadAllText(summaryPath)).TrainDocs;
        }
        catch (System.Text.Json.JsonException)
        {
            // A damaged summary only costs the exact epoch length; the recorded steps of epoch 1 give it too.
        }
        var stepsPerEpoch = trainDocs > 0
            ? (trainDocs + options.Optimizer.BatchSize - 1) / options.Optimizer.BatchSize
            : Math.Max(1, steps.Count(s => s.Epoch == 1));

        var padding = recorded?.FirstOrDefault(f => f.Code == FindingCode.PaddingLastStep);
        double? share = padding?.Evidence.TryGetValue("share_ending_in_padding", out var s) == true && s is double d ? d : null;
        return new WatchContext
        {
            NumClasses = classes.Count, ClassNames = classes, Lr = options.Optimizer.Lr, StepsPerEpoch = stepsPerEpoch,
            ReadsLastPaddedStep = recorded is null ? options.Encoding.Pad == PadSide.Post && Models.ModelFactory.ReadsLastColumn(options.Model) : padding is not null,
            ShareEndingInPadding = share,
            LabelOrderedUnshuffled = recorded?.Any(f => f.Code == FindingCode.LabelOrderedUnshuffled) == true,
            PriorLoss = validationCounts is null ? null : WatchContext.PriorLossOf(validationCounts, options.Optimizer),
            MedianPathToReadStep = PathToReadStep(options, recorded),
        };
    }

    private static double? PathToReadStep(TrainOptions options, IReadOnlyList<Finding>? recorded)
    {
        if (!WatchContext.ReadsOneStep(options.Model)) return null;
        var truncation = recorded?.FirstOrDefault(f => f.Code == FindingCode.Truncation);
        int? medianWords = truncation?.Evidence.TryGetValue("median_words", out var m) == true && m is double median ? (int)median : null;
        return WatchContext.PathToReadStep(medianWords, options.Encoding.MaxLen, options);
    }
}

using Changwen.Models;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Diagnosis;

/// <summary>
/// The diagnosis as the trainer's observer: feeds every loss, gradient norm and epoch to the <see cref="TrainingWatcher"/>,
/// writes gradient-norm records (see <see cref="Trainer.GradientRecordDue"/>) and validation prediction counts to
/// metrics.jsonl, keeps each finding once in the <see cref="DiagnosisLog"/> and reports the new ones through the progress
/// (as <see cref="FindingUpdate"/>s). On resume the kept metrics are replayed first, so it judges the whole run.
/// </summary>
/// <param name="log">Where the findings are kept (diagnosis.json); null keeps them in memory, so each is still reported once.</param>
public sealed class TrainingDiagnosis(TrainingWatcher watcher, DiagnosisLog? log, IProgress<ProgressUpdate>? progress,
    IReadOnlyList<int> valLabels, int numClasses) : ITrainingObserver
{
    private readonly DiagnosisLog findings = log ?? new DiagnosisLog();
    /// <summary>How often each class is the true one on val: the same every epoch.</summary>
    private readonly long[] valActual = PredictionCounts.Of(valLabels, numClasses);
    private IReadOnlyDictionary<string, double>? norms;

    public TrainingWatcher Watcher => watcher;

    public void OnResume(string metricsPath) => Report(RunDiagnosis.Replay(watcher, metricsPath));

    public Action? AfterBackward(TextClassifierModel model, long step)
    {
        norms = null;
        return Trainer.GradientRecordDue(step) ? () => norms = GradientNorms.ByGroup(model) : null;
    }

    public void WriteStepRecords(Stream metrics, int epoch, long step)
    {
        if (norms is not null) metrics.Write(DiagnosisRecords.Line(new GradientRecord { Epoch = epoch, Step = step, Groups = norms }));
    }

    public void OnStep(int epoch, long step, float loss)
    {
        // Step before gradients, as RunDiagnosis.Replay feeds them, so a resumed watcher sees the same sequence.
        Report(watcher.OnStep(epoch, step, loss));
        if (norms is not null) Report(watcher.OnGradientNorms(epoch, step, norms));
    }

    public void WriteEpochRecords(Stream metrics, int epoch, long[] valPredicted) =>
        metrics.Write(DiagnosisRecords.Line(new PredictionRecord { Epoch = epoch, Predicted = valPredicted, Actual = valActual }));

    public void OnEpoch(EpochRecord record, long[] valPredicted)
    {
        Report(watcher.OnEpoch(record, valPredicted, valActual));
        if (watcher.LearnedOnValidation) Resolve(TrainingWatcher.OverruledByValidation, record.Epoch);
    }

    private void Report(IEnumerable<Finding> candidates)
    {
        foreach (var finding in findings.Add(candidates)) progress?.Report(finding.ToProgress());
    }

    /// <summary>Records that earlier findings stopped holding, and says so once each.</summary>
    private void Resolve(IEnumerable<string> codes, int epoch)
    {
        foreach (var finding in findings.Resolve(codes, epoch))
            progress?.Report(new FindingUpdate(finding,
                $"resolved [{finding.Code}] after epoch {epoch}: validation accuracy now beats the class frequencies"));
    }
}

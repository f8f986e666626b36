using Changwen.Models;
using Changwen.Runs;

namespace Changwen.Training;

/// <summary>
/// What <see cref="Trainer.Train"/> tells whoever watches a run, in the spirit of minGPT's <c>register_callback</c>: the
/// trainer owns this seam and knows nothing of who implements it (the diagnosis does, Diagnosis/TrainingDiagnosis).
/// An observer may add its own lines to metrics.jsonl at the points given, so that a resumed run replays them.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>Before the first epoch of a resumed run, with the metrics the kept epochs wrote.</summary>
    void OnResume(string metricsPath);

    /// <summary>Work on the raw gradients of global step <paramref name="step"/>, run between backward and clipping; null for none.</summary>
    Action? AfterBackward(TextClassifierModel model, long step);

    /// <summary>Right after the step's own line in metrics.jsonl, before the file is flushed: the observer's lines for it.</summary>
    void WriteStepRecords(Stream metrics, int epoch, long step);

    /// <summary>After the step's lines are flushed.</summary>
    void OnStep(int epoch, long step, float loss);

    /// <summary>Right after the epoch's line in metrics.jsonl, before the checkpoint records the file's length.</summary>
    /// <param name="valPredicted">How often each class was predicted on the validation split this epoch.</param>
    void WriteEpochRecords(Stream metrics, int epoch, long[] valPredicted);

    /// <summary>After the epoch is saved and reported.</summary>
    void OnEpoch(EpochRecord record, long[] valPredicted);
}

using Changwen.Auto;
using Changwen.Pipeline;

namespace Changwen.Jobs;

/// <summary>
/// Trains a model of any kind into a run folder, as <c>changwen train</c> and experiment plans do: <c>--model auto</c>
/// through <see cref="AutoJob"/> (whose candidates are trained by <see cref="TrainingJob"/>), every other kind, and every
/// resume, through <see cref="TrainingJob"/>. It sits above both so that the pipeline never reaches up to Auto.
/// </summary>
public static class TrainJob
{
    /// <summary>The parameters are <see cref="TrainingJob.Run"/>'s.</summary>
    /// <param name="candidateOptions">For <c>--model auto</c>: the options of each candidate kind (see
    /// <see cref="AutoJob.Run(string, TrainOptions, string, string?, IProgress{ProgressUpdate}?, CancellationToken, Func{ModelKind, TrainOptions}?)"/>).</param>
    public static TrainingJobResult Run(string dataPath, TrainOptions options, string runDir, bool resume, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct, bool reportWatcherFindings = true, int? resumeEpochs = null,
        Func<ModelKind, TrainOptions>? candidateOptions = null)
    {
        if (resume || options.Model.Kind != ModelKind.Auto)
            return TrainingJob.Run(dataPath, options, runDir, resume, cacheDir, progress, ct, reportWatcherFindings, resumeEpochs);
        // Each candidate is a run folder of its own under this one, claimed and trained by TrainingJob.
        using var claim = TrainingJob.Claim(options, ref runDir, resume);
        return AutoJob.Run(dataPath, options, runDir, cacheDir, progress, ct, candidateOptions);
    }
}

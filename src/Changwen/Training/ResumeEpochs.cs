using Changwen.Runs;

namespace Changwen.Training;

/// <summary>
/// <c>train --resume --epochs N</c>: the one option a resumed run takes from the command line. The epoch count is not
/// part of the resume fingerprint (it changes no step of the epochs already run), so a finished or stopped run can go
/// on to N epochs in all; options.json is rewritten with N so a later resume continues the same way.
/// </summary>
internal static class ResumeEpochs
{
    public static TrainOptions Extend(string runDir, TrainOptions saved, int epochs, IProgress<ProgressUpdate>? progress)
    {
        if (epochs is < 1 or > OptionLimits.MaxEpochs)
            throw new UserInputException($"--epochs {epochs} is outside 1..{OptionLimits.MaxEpochs:N0}. Pass the number of epochs the run should have in all");
        var done = MetricsLog.Read(Path.Combine(runDir, RunFolder.MetricsFile)).Epochs.Count;
        if (epochs < done)
            throw UserInputException.At(runDir, null,
                $"the run has already finished {done} epochs, more than --epochs {epochs}. Pass --epochs {done + 1} or more to continue it, or drop --epochs");
        var extended = saved with { Optimizer = saved.Optimizer with { Epochs = epochs } };
        RunFolder.WriteOptions(runDir, extended);
        progress?.Report(new ProgressUpdate("resume", 0, null, $"training to {epochs} epochs in all (options.json said {saved.Optimizer.Epochs})"));
        return extended;
    }
}

using System.Globalization;

namespace Changwen.Training;

/// <summary>
/// Training stopped because a loss stopped being a finite number: once a weight is NaN every later step is NaN too, so
/// going on would only save NaN weights as "best". Thrown before the epoch's weights are written, so best.pt, last.pt
/// and checkpoint.bin keep the last finished epoch's finite weights. A user mistake to fix (usually the learning rate),
/// hence a <see cref="UserInputException"/>: one line, exit 2.
/// </summary>
public static class DivergedException
{
    public static UserInputException AtStep(int epoch, long step, float loss, OptimizerOptions opt) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"training diverged: the loss became {Describe(loss)} at epoch {epoch}, step {step}. {Remedy(epoch, opt)}"));

    public static UserInputException AtValidation(int epoch, double loss, OptimizerOptions opt) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"training diverged: the validation loss became {Describe(loss)} after epoch {epoch}. {Remedy(epoch, opt)}"));

    private static string Describe(double loss) => double.IsNaN(loss) ? "NaN" : loss > 0 ? "infinite" : "-infinite";

    private static string Remedy(int epoch, OptimizerOptions opt) =>
        FormattableString.Invariant($"Train a new run with a lower --lr (now {opt.Lr:G4}; e.g. {opt.Lr / 10:G4})") +
        (opt.ClipGradNorm is null ? " and --clip-grad-norm 1" : "") +
        (epoch > 1 ? $"; best.pt keeps the best of epochs 1..{epoch - 1}" : "; no epoch finished, so no weights were saved");
}

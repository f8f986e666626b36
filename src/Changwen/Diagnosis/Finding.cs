using System.Globalization;

namespace Changwen.Diagnosis;

public enum Severity { Info, Warning }

/// <summary>The codes a <see cref="Finding"/> can carry; one per kind of problem, so a log can keep each once.</summary>
public static class FindingCode
{
    public const string PaddingLastStep = "padding-last-step";
    public const string LabelOrderedUnshuffled = "label-ordered-unshuffled";
    public const string LrTooHigh = "lr-too-high";
    public const string Plateau = "plateau";
    public const string Collapse = "collapse";
    public const string VanishingGradients = "vanishing-gradients";
    public const string ExplodingGradients = "exploding-gradients";
    public const string Overfitting = "overfitting";
    public const string Truncation = "truncation";
    public const string Imbalance = "imbalance";
    /// <summary>Classes with too few training documents on a corpus that is not skewed: not <see cref="Imbalance"/>.</summary>
    public const string SmallClasses = "small-classes";
    public const string UnknownWords = "unknown-words";
    /// <summary>
    /// Many parameters per training document, before training. Not <see cref="Overfitting"/>: a log keeps the first
    /// finding of each code, so a pre-training risk note under that code would hide the real overfitting warning later.
    /// </summary>
    public const string Capacity = "capacity";
}

/// <summary>
/// One thing Changwen noticed about a run: what (<see cref="Code"/>), one line saying it with the numbers and the flag
/// that fixes it (<see cref="Message"/>), the numbers themselves (<see cref="Evidence"/>) and when (null before training).
/// </summary>
public sealed record Finding
{
    public required string Code { get; init; }
    public required Severity Severity { get; init; }
    /// <summary>One line: the evidence and the remedy as concrete flags.</summary>
    public required string Message { get; init; }
    /// <summary>Named numbers (double, int, long) or strings behind the message.</summary>
    public IReadOnlyDictionary<string, object> Evidence { get; init; } = new Dictionary<string, object>();
    /// <summary>1-based epoch the finding was made in; null before training.</summary>
    public int? Epoch { get; init; }
    /// <summary>Global step (as in metrics.jsonl) the finding was made at; null before training or at an epoch's end.</summary>
    public long? Step { get; init; }
    /// <summary>
    /// The 1-based epoch after which the finding stopped holding (a plateau or collapse that validation accuracy then
    /// left behind); null while it holds. Kept in diagnosis.json so the record tells what happened, not a stale warning.
    /// </summary>
    public int? ResolvedEpoch { get; init; }

    /// <summary>The <see cref="ProgressUpdate.Stage"/> a finding is shown under (callers tell findings apart by type: <see cref="FindingUpdate"/>).</summary>
    public const string ProgressStage = "diagnosis";

    /// <summary>"warning [plateau] the loss has stayed…": the line a user sees.</summary>
    public string Describe() => $"{(Severity == Severity.Warning ? "warning" : "info")} [{Code}] {Message}" +
        (ResolvedEpoch is { } epoch ? $" (resolved after epoch {epoch})" : "");

    /// <summary>This finding as a progress update (<see cref="FindingUpdate"/>, stage <see cref="ProgressStage"/>).</summary>
    public FindingUpdate ToProgress() => new(this, Describe());
}

/// <summary>
/// A finding reported through the progress: typed, so a caller reads or filters findings by type, not by a stage name;
/// its <see cref="ProgressUpdate.Message"/> is the line the user sees.
/// </summary>
/// <param name="Line">"warning [code] ...", or the line saying the finding stopped holding.</param>
public sealed record FindingUpdate(Finding Finding, string Line) : ProgressUpdate(Finding.ProgressStage, 0, null, Line);

/// <summary>Number formatting for messages: culture-independent, short.</summary>
internal static class Show
{
    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>"62%" (no culture-dependent space or decimals).</summary>
    public static string Percent(double share) => Inv($"{share * 100:0.#}%");

    /// <summary>A learning rate as a plain decimal (0.00003, not 3E-05), as a user types it.</summary>
    public static string Lr(double lr) => lr.ToString("0.##########", CultureInfo.InvariantCulture);

    /// <summary>Six significant digits so diagnosis.json stays readable (tiny gradient norms survive); NaN/Inf kept.</summary>
    public static double Round(double value) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;
}

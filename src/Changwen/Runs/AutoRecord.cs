using Changwen.IO;

namespace Changwen.Runs;

/// <summary>How one candidate of a <c>--model auto</c> search fared.</summary>
/// <param name="Name">The candidate's name (its sub-folder under candidates/), or two names joined by "+" for their average.</param>
/// <param name="Status">trained, skipped (the budget could not hold it) or averaged (the mean of the two best).</param>
/// <param name="ValAccuracy">Validation accuracy, when trained.</param>
/// <param name="ValLoss">Mean validation cross-entropy, when trained.</param>
/// <param name="Seconds">Wall time of its training run, when trained.</param>
/// <param name="Note">Why it was skipped, or other remarks.</param>
public sealed record CandidateResult(string Name, string Status, double? ValAccuracy, double? ValLoss, double? Seconds, string? Note = null);

/// <summary>
/// auto.json in an auto run folder: the search in the order it ran, the budget, and which candidate (or pair, averaged)
/// is the model. <see cref="Bundle.TextClassifier"/> loads the chosen ones from <see cref="RunFolder.CandidatesFolder"/>.
/// </summary>
public sealed record AutoRecord(IReadOnlyList<string> Chosen, IReadOnlyList<CandidateResult> Candidates, double BudgetMinutes, double Seconds)
{
    /// <summary>How the choice was made, in words, so the record explains itself (Auto.AutoChoice.Rule).</summary>
    public string? Rule { get; init; }

    public void Write(string runDir) => AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.AutoFile), Json.Serialize(this));

    public static AutoRecord Read(string runDir)
    {
        var path = Path.Combine(runDir, RunFolder.AutoFile);
        if (!File.Exists(path))
            throw UserInputException.At(path, null, "missing: this auto run has not finished choosing its model. Train it again into a new folder");
        AutoRecord record;
        try
        {
            record = Json.Deserialize<AutoRecord>(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw UserInputException.At(path, null, $"damaged ({e.Message.Split('\n')[0]}). Restore it from the training run");
        }
        if (record.Chosen is not { Count: > 0 } || record.Chosen.Any(n => string.IsNullOrEmpty(n) || n.Contains('/') || n.Contains('\\') || n.Contains("..")))
            throw UserInputException.At(path, null, "names no valid chosen candidate. Restore it from the training run");
        return record;
    }
}

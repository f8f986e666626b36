namespace Changwen.Models;

/// <summary>
/// Not a model but a search over the others within a time budget (Auto/AutoJob), ending in one of them or the average
/// of two.
/// </summary>
public sealed class AutoSpec : ModelSpec
{
    public override ModelKind Kind => ModelKind.Auto;
    public override string Summary =>
        "auto (train's default: trains linear and fasttext, and textcnn and lstm when --time-budget allows, and keeps linear unless another " +
        "candidate or the average of the two best beats it on validation beyond noise)";
    public override bool IsNetwork => false;

    public override void Validate(ModelOptions options)
    {
        if (!(options.TimeBudget > 0 && double.IsFinite(options.TimeBudget)))
            throw new UserInputException($"--time-budget must be a positive number of minutes, got {options.TimeBudget}. Pass e.g. 12");
    }
}

namespace Changwen.Models;

/// <summary>
/// Not a model but a search over the others within a time budget (Auto/AutoJob), ending in one of them or the average
/// of two.
/// </summary>
public sealed class AutoSpec : ModelSpec
{
    public override ModelKind Kind => ModelKind.Auto;
    public override string Summary =>
        "auto (trains linear and fasttext, and textcnn and lstm when --time-budget allows, and keeps the best on validation, " +
        "or the average of the two best; its linear fit is slow beyond a few thousand documents)";
    public override bool IsNetwork => false;

    public override void Validate(ModelOptions options)
    {
        if (!(options.TimeBudget > 0 && double.IsFinite(options.TimeBudget)))
            throw new UserInputException($"--time-budget must be a positive number of minutes, got {options.TimeBudget}. Pass e.g. 12");
    }
}

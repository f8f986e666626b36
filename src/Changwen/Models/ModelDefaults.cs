namespace Changwen.Models;

/// <summary>
/// Each model kind's defaults: the best configuration measured for it (docs/experiments.md), so that
/// <c>changwen train --model KIND</c> with no other flag trains it as well as Changwen knows how (each kind's
/// <see cref="ModelSpec.Defaults"/>). The record defaults of
/// <see cref="TrainOptions"/> are the fixed LSTM's; the other kinds change only what was measured better for them.
/// </summary>
public static class ModelDefaults
{
    /// <summary>The default options of <paramref name="kind"/>.</summary>
    public static TrainOptions For(ModelKind kind)
    {
        var common = new TrainOptions();
        return ModelSpecs.Of(kind).Defaults(common with { Model = common.Model with { Kind = kind } });
    }

    /// <summary>The kinds whose defaults differ from the LSTM's, with what differs, for --help.</summary>
    public static string Describe(Func<TrainOptions, object?> setting)
    {
        var lstm = setting(For(ModelKind.Lstm));
        var differing = ModelSpecs.All
            .Where(s => s.IsNetwork && s.Kind != ModelKind.Lstm)
            .OrderBy(s => s.Kind)
            .Select(s => (s.Kind, Value: setting(For(s.Kind))))
            .Where(p => !Equals(p.Value, lstm))
            .Select(p => $"{p.Kind.ToString().ToLowerInvariant()} {Show(p.Value)}");
        return string.Join("; ", differing.Prepend(Show(lstm)));
    }

    private static string Show(object? value) => value switch
    {
        null => "none",
        bool b => b ? "true" : "false",
        double d => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

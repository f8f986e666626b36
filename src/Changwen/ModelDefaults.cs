namespace Changwen;

/// <summary>
/// Each model kind's defaults: the best configuration measured for it (docs/experiments.md), so that
/// <c>changwen train --model KIND</c> with no other flag trains it as well as Changwen knows how. The record defaults of
/// <see cref="TrainOptions"/> are the fixed LSTM's; the other kinds change only what was measured better for them.
/// </summary>
public static class ModelDefaults
{
    /// <summary>The default options of <paramref name="kind"/>.</summary>
    public static TrainOptions For(ModelKind kind)
    {
        var o = new TrainOptions();
        return kind switch
        {
            // The models plan's fastText: Adam at 0.01 (the mean of many small embeddings moves slowly at 0.001), 20 cheap
            // epochs, no clipping, no length buckets. 78.3 % → 95.0 % held-out accuracy on thucnews against the LSTM's defaults.
            ModelKind.Fasttext => o with
            {
                Model = o.Model with { Kind = kind },
                Optimizer = o.Optimizer with { Lr = 0.01, Epochs = 20, ClipGradNorm = null, Bucket = false },
            },
            // Kim's settings as the models plan measured them: dropout 0.5, no clipping (buckets on).
            ModelKind.Textcnn => o with
            {
                Model = o.Model with { Kind = kind, Dropout = 0.5 },
                Optimizer = o.Optimizer with { ClipGradNorm = null },
            },
            _ => o with { Model = o.Model with { Kind = kind } },
        };
    }

    /// <summary>The kinds whose defaults differ from the LSTM's, with what differs, for --help.</summary>
    public static string Describe(Func<TrainOptions, object?> setting)
    {
        var lstm = setting(For(ModelKind.Lstm));
        var differing = Enum.GetValues<ModelKind>()
            .Where(k => k is not (ModelKind.Lstm or ModelKind.Linear or ModelKind.Auto))
            .Select(k => (Kind: k, Value: setting(For(k))))
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

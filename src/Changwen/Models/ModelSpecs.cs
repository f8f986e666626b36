namespace Changwen.Models;

/// <summary>The registered model kinds: the one list that says which kinds exist.</summary>
public static class ModelSpecs
{
    public static IReadOnlyList<ModelSpec> All { get; } =
    [
        new AutoSpec(),
        new LinearSpec(),
        new LstmSpec(),
        new FastTextSpec(),
        new TextCnnSpec(),
        new MergeNetSpec(),
    ];

    private static readonly Dictionary<ModelKind, ModelSpec> ByKind = All.ToDictionary(s => s.Kind);

    /// <summary>The spec of <paramref name="kind"/>; a kind without one is a bug (options are validated before).</summary>
    public static ModelSpec Of(ModelKind kind) =>
        ByKind.TryGetValue(kind, out var spec) ? spec : throw new ArgumentOutOfRangeException(nameof(kind), kind, "no spec registered for this model kind");

    /// <summary>
    /// The one check of every value of a <see cref="TrainOptions"/>, made before any work (train, diagnose, every run of
    /// an experiment plan before the first opens the corpus): every value's range (<see cref="OptionLimits"/>), then the
    /// model kind's own checks. Files the options name are checked by the job that reads them (an experiment's run with a
    /// missing file fails alone).
    /// </summary>
    public static void Validate(TrainOptions options)
    {
        OptionLimits.Validate(options);
        Of(options.Model.Kind).Validate(options.Model);
        if (options.Model.FreezeEmbeddings && options.Model.Embeddings is null)
            throw new UserInputException("--freeze-embeddings keeps pretrained vectors fixed, but no --embeddings FILE was given. Give the vectors, or drop --freeze-embeddings");
    }
}

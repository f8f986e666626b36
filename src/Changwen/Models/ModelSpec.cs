namespace Changwen.Models;

/// <summary>
/// Everything Changwen knows about one model kind, in one place: its name, its measured-best defaults, the checks of
/// its options, how its network is built (for the libtorch kinds), and what the training watcher needs to know about
/// how the classifier reads a padded row. A new kind is a subclass in <c>Specs/</c> plus its line in
/// <see cref="ModelSpecs.All"/> (and its member of <see cref="ModelKind"/>, the name options.json records).
/// </summary>
public abstract class ModelSpec
{
    public abstract ModelKind Kind { get; }

    /// <summary>The kind's name on the command line and in files: lstm, mergenet, ...</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>One phrase for <c>--model</c>'s help.</summary>
    public abstract string Summary { get; }

    /// <summary>A libtorch network (built by <see cref="Create"/>, trained by the Trainer); linear and auto are not.</summary>
    public virtual bool IsNetwork => true;

    /// <summary>
    /// The kind's defaults, from <paramref name="common"/> (the record defaults of <see cref="TrainOptions"/>, the fixed
    /// LSTM's, with this kind set): only what was measured better for this kind changes (docs/experiments.md).
    /// </summary>
    public virtual TrainOptions Defaults(TrainOptions common) => common;

    /// <summary>The checks of this kind's own options (the ranges of every option are <see cref="OptionLimits"/>'s).</summary>
    public virtual void Validate(ModelOptions options) { }

    /// <summary>The network, with fresh weights (the caller seeds torch's generator first).</summary>
    public virtual TextClassifierModel Create(ModelOptions options, int vocabSize, int numClasses) =>
        throw new NotSupportedException($"{Name} is not a libtorch network");

    /// <summary>
    /// Whether the classifier reads the final column of a padded row, pads included (the recurrent kinds with
    /// <c>--pool last</c>); the bag and convolution models read only the words.
    /// </summary>
    public virtual bool ReadsLastColumn(ModelOptions options) => false;

    /// <summary>True when the classifier reads a single step of one LSTM direction (pool last or true-last).</summary>
    public virtual bool ReadsOneStep(ModelOptions options) => false;

    /// <summary>The recurrent steps that <paramref name="words"/> positions of a row become (MergeNet pools them).</summary>
    public virtual int RecurrentSteps(ModelOptions options, int words) => words;

    /// <summary>Pad steps a classifier reading the last row position runs through after the last word of a document
    /// of <paramref name="length"/> words in rows of <paramref name="maxLen"/>: the row's padding, unless the kind pools it.</summary>
    public virtual int PadStepsRead(ModelOptions options, int length, int maxLen) => Math.Max(0, maxLen - length);
}

/// <summary>The LSTM and MergeNet: a recurrent classifier over the row, read through a <see cref="PoolKind"/>.</summary>
public abstract class RecurrentModelSpec : ModelSpec
{
    public override bool ReadsLastColumn(ModelOptions options) => options.Pool == PoolKind.Last;

    public override bool ReadsOneStep(ModelOptions options) =>
        options.Pool is PoolKind.Last or PoolKind.TrueLast && !options.Bidirectional;
}

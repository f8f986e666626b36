namespace Changwen.Models;

/// <summary>Kim's (2014) CNN (<see cref="TextCnn"/>): parallel Conv1d filters, max over time, dropout, Linear.</summary>
public sealed class TextCnnSpec : ModelSpec
{
    public override ModelKind Kind => ModelKind.Textcnn;
    public override string Summary => "textcnn (Kim's CNN)";

    /// <summary>Kim's settings as the models plan measured them: dropout 0.5, no clipping (buckets on).</summary>
    public override TrainOptions Defaults(TrainOptions common) => common with
    {
        Model = common.Model with { Dropout = 0.5 },
        Optimizer = common.Optimizer with { ClipGradNorm = null },
    };

    /// <summary>The widths must parse (their range is <see cref="OptionLimits"/>'s, which checks them for textcnn).</summary>
    public override void Validate(ModelOptions options)
    {
        options.ParseFilterWidths();
        if (options.Filters < 1) throw new UserInputException($"filters per width must be positive, got {options.Filters}. Pass e.g. 100");
    }

    public override TextClassifierModel Create(ModelOptions options, int vocabSize, int numClasses) => new TextCnn(options, vocabSize, numClasses);
}

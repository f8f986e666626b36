using System.Text.Json.Serialization;

namespace Changwen.Runs;

/// <summary>What a training run achieved; written to <c>summary.json</c> after every epoch and returned by the trainer.</summary>
public sealed record TrainingSummary
{
    public ModelKind Model { get; init; }
    /// <summary>Best validation accuracy seen, and the (1-based) epoch whose weights are in <c>best.pt</c>.</summary>
    public double BestValAccuracy { get; init; }
    public int BestEpoch { get; init; }
    public int EpochsRun { get; init; }
    public int EpochsPlanned { get; init; }
    public double FinalTrainLoss { get; init; }
    public double FinalTrainAccuracy { get; init; }
    public double FinalValLoss { get; init; }
    public double FinalValAccuracy { get; init; }
    /// <summary>Mean wall time of an epoch (training and validation), over the epochs in metrics.jsonl.</summary>
    public double SecondsPerEpoch { get; init; }
    public double TotalSeconds { get; init; }
    /// <summary>Mean training throughput over the epochs.</summary>
    public double DocsPerSecond { get; init; }
    /// <summary>True when <c>Patience</c> epochs passed without a better validation accuracy.</summary>
    public bool StoppedEarly { get; init; }
    /// <summary>True once the run has ended (all epochs done or stopped early); false while it is under way.</summary>
    public bool Finished { get; init; }
    public int TrainDocs { get; init; }
    public int ValDocs { get; init; }
    /// <summary>
    /// linear: the training (validation) documents of the corpus when the fit read a seeded sample of them
    /// (<see cref="TrainDocs"/>, <see cref="ValDocs"/>) to bound its memory (Tfidf.LinearSample); null when it read them all.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SampledFromTrainDocs { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SampledFromValDocs { get; init; }
    public long Parameters { get; init; }
    public int Threads { get; init; }
    public int Seed { get; init; }
    /// <summary>Accuracy and macro-averaged F1 of the best weights on the test split, filled in by <see cref="Pipeline.TrainingJob"/>
    /// after training (null while training, or when the corpus has no test documents).</summary>
    public double? TestAccuracy { get; init; }
    public double? TestMacroF1 { get; init; }

    /// <summary>linear: the chosen C, the number of TF-IDF features and every fit of the C grid (null for networks).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? C { get; init; }
    /// <summary>linear: the chosen form (null for networks; runs before the one-vs-rest form were multinomial).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LinearForm? LinearForm { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Features { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LinearFit>? Fits { get; init; }

    /// <summary>auto: what was chosen (a candidate's name, or two joined by "+" for their average) and every candidate.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Chosen { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CandidateResult>? Candidates { get; init; }
}

/// <summary>One fit of the linear model's regularisation grid (Tfidf.LinearTrainer): its C and how the fitted model scored.</summary>
public sealed record LinearFit(double C, double TrainAccuracy, double TrainLoss, double ValAccuracy, double ValLoss, double Seconds)
{
    /// <summary>L-BFGS iterations the fit took; for dual coordinate descent, the most epochs any class took.</summary>
    public int Iterations { get; init; }
    /// <summary>
    /// The minimised objective at the fitted weights: for L-BFGS mean cross-entropy + ‖W‖² / (2·C·n); for dual coordinate
    /// descent liblinear's primal, summed over the classes: Σₖ ½‖wₖ‖² + C·Σᵢ log(1 + e^(−yᵢₖ·wₖ·xᵢ)) (bias inside w).
    /// </summary>
    public double Objective { get; init; }
    /// <summary>CPU seconds of the process during the fit (all threads): on a shared machine the wall time says little.</summary>
    public double CpuSeconds { get; init; }
    /// <summary>Whether the largest gradient component reached the tolerance (Tfidf.LinearTrainer.GradientTolerance).</summary>
    public bool Converged { get; init; } = true;
    /// <summary>The model's form (runs before the one-vs-rest form: multinomial).</summary>
    public LinearForm Form { get; init; } = LinearForm.Multinomial;
    /// <summary>The gradient tolerance of this fit (null in runs that recorded none: Tfidf.LinearTrainer.GradientTolerance).</summary>
    public double? Tolerance { get; init; }
    /// <summary>"choose" (a loose fit compared on validation), "refine" (the winner fitted on to the full tolerance) or "fit" (the only candidate); null in older runs.</summary>
    public string? Stage { get; init; }
    /// <summary>"dual coordinate descent" or "L-BFGS"; null in older runs (L-BFGS).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Solver { get; init; }
}

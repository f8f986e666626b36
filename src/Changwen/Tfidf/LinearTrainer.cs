using System.Diagnostics;
using Changwen.Evaluation;
using Changwen.Runs;

namespace Changwen.Tfidf;

/// <summary>What <see cref="LinearTrainer.Fit"/> produced: the chosen model and every fit of the grid, in fitting order.</summary>
public sealed record LinearFitResult(LinearModel Model, IReadOnlyList<LinearFit> Fits, double FeatureSeconds)
{
    public LinearFit Chosen => Fits.First(f => f.C == Model.C);
}

/// <summary>
/// Fits the linear model: TF-IDF features on the training documents, then multinomial logistic regression
/// (<see cref="SoftmaxObjective"/>) minimised by Math.NET Numerics' L-BFGS with a weak-Wolfe line search, for each C of
/// the grid, smallest first, each fit starting from the previous one's optimum. The C with the best validation accuracy
/// is kept (ties: lower validation loss, then the smaller C).
/// </summary>
public static class LinearTrainer
{
    /// <summary>The C values tried when none is given (those of bench/baseline/tfidf_logreg.py).</summary>
    public static readonly IReadOnlyList<double> CGrid = [1.0, 10.0, 100.0];

    /// <summary>
    /// L-BFGS stops when every gradient component, scaled by max(|θᵢ|, 1) / max(|f|, 1), is below this (Math.NET's
    /// relative-gradient test on the 1/n-scaled objective): scikit-learn's default tolerance for its L-BFGS fit of the
    /// same scaled objective (<c>tol=1e-4</c> on the largest gradient component).
    /// </summary>
    public const double GradientTolerance = 1e-4;
    private const int Memory = 5;
    private const int MaximumIterations = 2000;

    /// <param name="trainTokens">The training documents' tokens; <paramref name="trainLabels"/> their class indices.</param>
    /// <param name="options">The linear settings: <c>C</c> (null = choose from <see cref="CGrid"/> on the validation documents), <c>MinDf</c>, <c>MaxChars</c>, <c>WordNgrams</c>.</param>
    /// <param name="threads">Threads for the fit; 0 = every core.</param>
    public static LinearFitResult Fit(IReadOnlyList<IReadOnlyList<string>> trainTokens, IReadOnlyList<int> trainLabels,
        IReadOnlyList<IReadOnlyList<string>> valTokens, IReadOnlyList<int> valLabels, int classCount, ModelOptions options,
        int seed, int threads, IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        if (trainTokens.Count != trainLabels.Count || valTokens.Count != valLabels.Count)
            throw new ArgumentException("every document needs a label");
        if (options.C is { } given && !(given > 0 && double.IsFinite(given)))
            throw new UserInputException($"--C must be a positive number, got {given}. Pass e.g. 10, or leave it out to choose it on the validation split");
        if (options.MinDf < 1) throw new UserInputException($"--min-df must be at least 1, got {options.MinDf}");
        if (options.MaxChars < 1) throw new UserInputException($"--max-chars must be at least 1, got {options.MaxChars}");
        var clock = Stopwatch.StartNew();
        var vectorizer = TfidfVectorizer.Fit(trainTokens, options.WordNgrams, options.MinDf, options.MaxChars);
        var train = Transform(vectorizer, trainTokens);
        var val = Transform(vectorizer, valTokens);
        var featureSeconds = clock.Elapsed.TotalSeconds;
        progress?.Report(new ProgressUpdate("features", 1, 1,
            $"TF-IDF: {vectorizer.FeatureCount:N0} features (word {(options.WordNgrams == 2 ? "unigrams and bigrams" : "unigrams")} in at least {options.MinDf} training documents) in {featureSeconds:F1} s"));
        if (vectorizer.FeatureCount == 0)
            throw new UserInputException($"no word occurs in {options.MinDf} or more training documents, so the linear model has no features. Give more training documents, or pass --min-df 1");

        var grid = options.C is { } c ? [c] : CGrid;
        var fits = new List<LinearFit>();
        var objective = new SoftmaxObjective(train, trainLabels, vectorizer.FeatureCount, classCount, threads);
        double[]? previous = null;
        (LinearModel Model, LinearFit Fit)? best = null;
        foreach (var cValue in grid)
        {
            ct.ThrowIfCancellationRequested();
            var fitClock = Stopwatch.StartNew();
            objective.C = cValue;
            var (theta, iterations) = Minimise(objective, previous);
            previous = theta;
            var (weights, biases) = objective.Unpack(theta);
            var model = new LinearModel(vectorizer, weights, biases, cValue);
            var (trainAccuracy, trainLoss) = Score(model, train, trainLabels);
            var (valAccuracy, valLoss) = Score(model, val, valLabels);
            var fit = new LinearFit(cValue, trainAccuracy, trainLoss, valAccuracy, valLoss, fitClock.Elapsed.TotalSeconds) { Iterations = iterations };
            fits.Add(fit);
            progress?.Report(new ProgressUpdate("fit", fits.Count, grid.Count,
                $"C={cValue:G}: train accuracy {trainAccuracy:P2}, val accuracy {valAccuracy:P2}, val loss {valLoss:F4} ({iterations} L-BFGS iterations, {fit.Seconds:F1} s)"));
            if (best is null || valAccuracy > best.Value.Fit.ValAccuracy ||
                valAccuracy == best.Value.Fit.ValAccuracy && valLoss < best.Value.Fit.ValLoss)
                best = (model, fit);
        }
        return new LinearFitResult(best!.Value.Model, fits, featureSeconds);
    }

    /// <summary>The minimiser of <paramref name="objective"/> from <paramref name="start"/> (zeros when null) and the iterations it took.</summary>
    internal static (double[] Theta, int Iterations) Minimise(SoftmaxObjective objective, double[]? start)
    {
        var initial = MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray(start is null ? new double[objective.ParameterCount] : (double[])start.Clone());
        var function = MathNet.Numerics.Optimization.ObjectiveFunction.Gradient(theta =>
        {
            // Math.NET allocates several parameter-sized vectors per step (hundreds of MB each on a real corpus); left to
            // the collector's own pace they piled up to 10 GB on chinanews. Collecting before each evaluation keeps the
            // process near the live set (the history, the point, the gradient).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
            var gradient = new double[objective.ParameterCount];
            var value = objective.Evaluate(Values(theta), gradient);
            return (value, MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray(gradient));
        });
        var minimizer = new MathNet.Numerics.Optimization.LimitedMemoryBfgsMinimizer(GradientTolerance, 1e-10, 1e-10, Memory, MaximumIterations);
        var result = minimizer.FindMinimum(function, initial);
        return (Values(result.MinimizingPoint), result.Iterations);
    }

    private static double[] Values(MathNet.Numerics.LinearAlgebra.Vector<double> vector) =>
        vector is MathNet.Numerics.LinearAlgebra.Double.DenseVector dense ? dense.Values : vector.ToArray();

    /// <summary>The feature rows of documents, in parallel.</summary>
    internal static SparseRow[] Transform(TfidfVectorizer vectorizer, IReadOnlyList<IReadOnlyList<string>> documents)
    {
        var rows = new SparseRow[documents.Count];
        Parallel.For(0, rows.Length, i => rows[i] = vectorizer.Transform(documents[i]));
        return rows;
    }

    /// <summary>Accuracy and mean cross-entropy of <paramref name="model"/> on labelled rows (0 and 0 for none).</summary>
    internal static (double Accuracy, double Loss) Score(LinearModel model, IReadOnlyList<SparseRow> rows, IReadOnlyList<int> labels) =>
        Scores.AccuracyAndLoss(rows.Select(row => model.Probabilities(row)).ToList(), labels);
}

using System.Diagnostics;
using Changwen.Evaluation;
using Changwen.Runs;

namespace Changwen.Tfidf;

/// <summary>What <see cref="LinearTrainer.Fit"/> produced: the chosen model and every fit of the grid, in fitting order.</summary>
public sealed record LinearFitResult(LinearModel Model, IReadOnlyList<LinearFit> Fits, double FeatureSeconds)
{
    /// <summary>The fit of the kept model: the last one (the refined winner when several were compared).</summary>
    public LinearFit Chosen => Fits[^1];
}

/// <summary>
/// Fits the linear model: TF-IDF features on the training documents, then logistic regression
/// (<see cref="SoftmaxObjective"/>, multinomial or one-vs-rest) minimised by L-BFGS with a strong-Wolfe line search over
/// float weights in place (<see cref="Lbfgs"/>). Unless C and the form are given, the multinomial form is fitted for
/// each C of the grid (smallest first, each from the previous optimum) and one-vs-rest at its best C, all to
/// <see cref="SelectionTolerance"/>; the candidate with the best validation accuracy (ties: lower validation loss, then
/// the one fitted first) is then fitted on to <see cref="GradientTolerance"/> and kept.
/// </summary>
public static class LinearTrainer
{
    /// <summary>The C values tried when none is given (those of bench/baseline/tfidf_logreg.py).</summary>
    public static readonly IReadOnlyList<double> CGrid = [1.0, 10.0, 100.0];

    /// <summary>
    /// L-BFGS stops when every gradient component of the 1/n-scaled objective is at most this times the objective
    /// (clamped to [10⁻³, 1]; <see cref="Lbfgs.ToleranceAt"/>): scikit-learn's default (<c>tol=1e-4</c> on the largest
    /// component) where the objective is 1 or more, relative below, so a large C is fitted as closely as a small one.
    /// </summary>
    public const double GradientTolerance = 1e-4;
    /// <summary>
    /// The looser tolerance at which the candidates (C and form) are fitted to be compared on validation; only the
    /// winner is then fitted on to <see cref="GradientTolerance"/> (docs/training.md, "The linear model").
    /// </summary>
    public const double SelectionTolerance = 1e-3;
    /// <summary>Correction pairs kept: 5 pairs of 20.5 M floats are 0.8 GB on chinanews.</summary>
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
        IReadOnlyList<LinearForm> forms = options.LinearForm is { } form ? [form] : [LinearForm.Multinomial, LinearForm.OneVsRest];
        var fits = new List<LinearFit>();
        var objective = new SoftmaxObjective(train, trainLabels, vectorizer.FeatureCount, classCount, threads);
        // One optimiser for every fit: its buffers are allocated once.
        var optimiser = new Lbfgs(Memory, GradientTolerance, MaximumIterations, threads);
        // With several candidates each is fitted loosely, only to be compared on validation; the winner is then fitted
        // on from where it stopped to the full tolerance. A single candidate is fitted to the full tolerance at once.
        var choosing = grid.Count * forms.Count > 1;
        var theta = new float[objective.ParameterCount];
        var bestTheta = choosing ? new float[theta.Length] : theta;
        LinearFit? best = null;
        var planned = grid.Count + forms.Count - 1 + (choosing ? 1 : 0);

        LinearFit FitOne(double cValue, LinearForm fitForm, double tolerance, string stage)
        {
            ct.ThrowIfCancellationRequested();
            var fitClock = Stopwatch.StartNew();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            objective.C = cValue;
            objective.Form = fitForm;
            optimiser.Tolerance = tolerance;
            var end = optimiser.Minimise(objective.Evaluate, theta, ct);
            var (trainAccuracy, trainLoss) = Score(objective, theta, train, trainLabels, threads);
            var (valAccuracy, valLoss) = Score(objective, theta, val, valLabels, threads);
            var fit = new LinearFit(cValue, trainAccuracy, trainLoss, valAccuracy, valLoss, fitClock.Elapsed.TotalSeconds)
            {
                Iterations = end.Iterations, Objective = end.Value, Converged = end.Converged,
                CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
                Form = fitForm, Tolerance = tolerance, Stage = stage,
            };
            fits.Add(fit);
            progress?.Report(new ProgressUpdate("fit", fits.Count, planned,
                $"{stage} {FormName(fitForm)} C={cValue:G} (tolerance {tolerance:G}): train accuracy {trainAccuracy:P2}, val accuracy {valAccuracy:P2}, val loss {valLoss:F4} ({end.Iterations} L-BFGS iterations, {end.Evaluations} evaluations taking {end.FunctionSeconds:F1} s, objective {end.Value:F6}, {(end.Converged ? "converged" : "stopped: " + end.Stop)}, {fit.Seconds:F1} s, {fit.CpuSeconds:F1} CPU-s)"));
            return fit;
        }

        void Consider(LinearFit candidate)
        {
            if (best is { } b && !(candidate.ValAccuracy > b.ValAccuracy ||
                                   candidate.ValAccuracy == b.ValAccuracy && candidate.ValLoss < b.ValLoss))
                return;
            best = candidate;
            if (choosing) Array.Copy(theta, bestTheta, theta.Length);
        }

        var stageName = choosing ? "choose" : "fit";
        // The first form over the grid, smallest C first, each fit starting from the previous C's optimum.
        foreach (var cValue in grid) Consider(FitOne(cValue, forms[0], choosing ? SelectionTolerance : GradientTolerance, stageName));
        // The other form only at the first form's best C, starting from the first form's weights there: a second grid
        // would double the fit. (The baseline's liblinear preferred C = 10 on thucnews where the multinomial preferred
        // 100, so this can miss one-vs-rest's own best C; it is the price of the time.)
        var bestC = best!.C;
        foreach (var other in forms.Skip(1))
        {
            Array.Copy(bestTheta, theta, theta.Length);
            Consider(FitOne(bestC, other, SelectionTolerance, stageName));
        }
        if (choosing)
        {
            var winner = best!;
            Array.Copy(bestTheta, theta, theta.Length);
            best = FitOne(winner.C, winner.Form, GradientTolerance, "refine");
        }
        objective.Form = best!.Form;
        var (weights, biases) = objective.Unpack(theta);
        return new LinearFitResult(new LinearModel(vectorizer, weights, biases, best.C, best.Form), fits, featureSeconds);
    }

    /// <summary>The form as the CLI and options.json spell it.</summary>
    public static string FormName(LinearForm form) => form == LinearForm.OneVsRest ? "one-vs-rest" : "multinomial";

    /// <summary>Minimises <paramref name="objective"/> from <paramref name="theta"/> (in place: it ends at the minimiser).</summary>
    internal static LbfgsResult Minimise(SoftmaxObjective objective, float[] theta, int threads, CancellationToken ct = default,
        double tolerance = GradientTolerance, int memory = Memory) =>
        new Lbfgs(memory, tolerance, MaximumIterations, threads).Minimise(objective.Evaluate, theta, ct);

    /// <summary>The feature rows of documents, in parallel.</summary>
    internal static SparseRow[] Transform(TfidfVectorizer vectorizer, IReadOnlyList<IReadOnlyList<string>> documents)
    {
        var rows = new SparseRow[documents.Count];
        Parallel.For(0, rows.Length, i => rows[i] = vectorizer.Transform(documents[i]));
        return rows;
    }

    /// <summary>Accuracy and mean cross-entropy, on labelled rows, of the model θ is (0 and 0 for none).</summary>
    internal static (double Accuracy, double Loss) Score(SoftmaxObjective objective, float[] theta, IReadOnlyList<SparseRow> rows,
        IReadOnlyList<int> labels, int threads)
    {
        var probabilities = new float[rows.Count][];
        Parallel.For(0, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 },
            i => probabilities[i] = objective.Probabilities(theta, rows[i]));
        return Scores.AccuracyAndLoss(probabilities, labels);
    }
}

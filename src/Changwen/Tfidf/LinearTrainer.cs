using System.Diagnostics;
using Changwen.Evaluation;
using Changwen.Runs;

namespace Changwen.Tfidf;

/// <summary>One document the linear fit reads: its tokens, its class index, and whether it is a validation document.</summary>
public readonly record struct LinearDocument(IReadOnlyList<string> Tokens, int Label, bool Validation);

/// <summary>What <see cref="LinearTrainer"/>'s fit produced: the chosen model and every fit of the grid, in fitting order.</summary>
public sealed record LinearFitResult(LinearModel Model, IReadOnlyList<LinearFit> Fits, double FeatureSeconds)
{
    /// <summary>Training documents fitted on.</summary>
    public int TrainDocs { get; init; }
    /// <summary>Validation documents the candidates were compared on.</summary>
    public int ValDocs { get; init; }

    /// <summary>The fit of the kept model: the last one of its form and C (the refined winner of an L-BFGS grid).</summary>
    public LinearFit Chosen => Fits.Last(f => f.C == Model.C && f.Form == Model.Form);
}

/// <summary>
/// Fits the linear model: TF-IDF features on the training documents, then L2-regularised logistic regression in the
/// form given (default one-vs-rest, the baseline's liblinear recipe), for each C of the grid unless C is given, keeping
/// the fit with the best validation accuracy (ties: the smaller C, <see cref="Improves"/>). One-vs-rest is
/// fitted by dual coordinate descent (<see cref="DualCoordinateDescent"/>); multinomial by L-BFGS on
/// <see cref="SoftmaxObjective"/> (<see cref="Lbfgs"/>), loosely per C and the winner refined.
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
    /// <summary>
    /// The dual solver's stopping tolerance on the largest sub-problem gradient of an epoch: liblinear's own default
    /// <c>eps</c> for this solver (<c>-s 7</c>). On chinanews it ends within 3·10⁻⁶ (relative) of the primal objective
    /// that 1e-4 reaches, in a fraction of the time (docs/experiments.md, "Speed of the fit").
    /// </summary>
    public const double DualTolerance = 0.1;
    /// <summary>How <see cref="LinearFit.Solver"/> names the dual solver.</summary>
    public const string DualSolverName = "dual coordinate descent";
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
        return Fit(() => trainTokens.Select((tokens, i) => new LinearDocument(tokens, trainLabels[i], false))
                .Concat(valTokens.Select((tokens, i) => new LinearDocument(tokens, valLabels[i], true))),
            classCount, options, seed, threads, progress, ct);
    }

    /// <summary>
    /// The fit of documents read twice from <paramref name="read"/>, each time as it is enumerated: once to learn the
    /// TF-IDF features from the training documents, once to turn every document into its feature row. Only the rows are
    /// held, never the documents' tokens, so the documents can stream from the segmentation on disk.
    /// </summary>
    /// <param name="read">The training and validation documents (any order; the same documents on each call).</param>
    public static LinearFitResult Fit(Func<IEnumerable<LinearDocument>> read, int classCount, ModelOptions options,
        int seed, int threads, IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        if (options.C is { } given && !(given > 0 && double.IsFinite(given)))
            throw new UserInputException($"--C must be a positive number, got {given}. Pass e.g. 10, or leave it out to choose it on the validation split");
        if (options.MinDf < 1) throw new UserInputException($"--min-df must be at least 1, got {options.MinDf}");
        if (options.MaxChars < 1) throw new UserInputException($"--max-chars must be at least 1, got {options.MaxChars}");
        var clock = Stopwatch.StartNew();
        var vectorizer = TfidfVectorizer.Fit(read().Where(d => !d.Validation).Select(d => d.Tokens), options.WordNgrams, options.MinDf, options.MaxChars);
        ReleaseGarbage();
        if (vectorizer.FeatureCount == 0)
            throw new UserInputException($"no word occurs in {options.MinDf} or more training documents, so the linear model has no features. Give more training documents, or pass --min-df 1");
        var (train, trainLabels, val, valLabels) = Transform(vectorizer, read(), ct);
        ReleaseGarbage();
        var featureSeconds = clock.Elapsed.TotalSeconds;
        progress?.Report(new ProgressUpdate("features", 1, 1,
            $"TF-IDF: {vectorizer.FeatureCount:N0} features (word {(options.WordNgrams == 2 ? "unigrams and bigrams" : "unigrams")} in at least {options.MinDf} training documents) in {featureSeconds:F1} s"));

        var grid = options.C is { } c ? [c] : CGrid;
        var form = options.LinearForm ?? LinearForm.OneVsRest;
        var (model, fits) = form == LinearForm.OneVsRest
            ? FitOneVsRest(vectorizer, train, trainLabels, val, valLabels, classCount, grid, seed, threads, progress, ct)
            : FitMultinomial(vectorizer, train, trainLabels, val, valLabels, classCount, grid, threads, progress, ct);
        return new LinearFitResult(model, fits, featureSeconds) { TrainDocs = trainLabels.Length, ValDocs = valLabels.Length };
    }

    /// <summary>
    /// One-vs-rest by dual coordinate descent (<see cref="DualCoordinateDescent"/>, liblinear's <c>-s 7</c>): every C of
    /// the grid fitted fully, smallest first, each from the previous optimum; the best on validation (ties: the smaller C) is kept.
    /// </summary>
    private static (LinearModel, List<LinearFit>) FitOneVsRest(TfidfVectorizer vectorizer, SparseRow[] train, IReadOnlyList<int> trainLabels,
        SparseRow[] val, IReadOnlyList<int> valLabels, int classCount, IReadOnlyList<double> grid, int seed, int threads,
        IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        // The solver takes the training rows (renumbered in place), so they are held once; each candidate's weights are
        // the model's floats, scored on the training rows as the solver holds them.
        var solver = new DualCoordinateDescent(train, trainLabels, vectorizer.FeatureCount, classCount, seed, threads, takeRows: true)
        {
            Tolerance = DualTolerance,
        };
        var fits = new List<LinearFit>();
        LinearFit? best = null;
        (float[][] Weights, float[] Biases) bestModel = default;
        foreach (var cValue in grid)
        {
            var fitClock = Stopwatch.StartNew();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var binary = solver.Fit(cValue, ct);
            var (trainAccuracy, trainLoss) = AccuracyAndLoss(solver.TrainingScores(), LinearForm.OneVsRest, trainLabels);
            var (weights, biases) = solver.Model();
            var (valAccuracy, valLoss) = AccuracyAndLoss(ClassScores(weights, biases, val, threads), LinearForm.OneVsRest, valLabels);
            var fit = new LinearFit(cValue, trainAccuracy, trainLoss, valAccuracy, valLoss, fitClock.Elapsed.TotalSeconds)
            {
                Iterations = binary.Max(b => b.Epochs), Objective = binary.Sum(b => b.Objective), Converged = binary.All(b => b.Converged),
                CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
                Form = LinearForm.OneVsRest, Tolerance = DualTolerance, Stage = grid.Count > 1 ? "choose" : "fit", Solver = DualSolverName,
            };
            fits.Add(fit);
            progress?.Report(new ProgressUpdate("fit", fits.Count, grid.Count,
                $"one-vs-rest C={cValue:G} ({DualSolverName}, tolerance {DualTolerance:G}): train accuracy {trainAccuracy:P2}, val accuracy {valAccuracy:P2}, val loss {valLoss:F4} ({binary.Min(b => b.Epochs)}–{fit.Iterations} epochs per class, {binary.Count(b => !b.Converged)} classes stopped at the epoch cap, primal objective {fit.Objective:F4}, {fit.Seconds:F1} s, {fit.CpuSeconds:F1} CPU-s)"));
            if (!Improves(fit, best)) continue;
            best = fit;
            bestModel = (weights, biases);
        }
        return (new LinearModel(vectorizer, bestModel.Weights!, bestModel.Biases!, best!.C, LinearForm.OneVsRest), fits);
    }

    /// <summary>
    /// Multinomial by L-BFGS on <see cref="SoftmaxObjective"/>: with several C each is fitted to
    /// <see cref="SelectionTolerance"/> (smallest first, each from the previous optimum), compared on validation, and the
    /// winner fitted on to <see cref="GradientTolerance"/>; a single C is fitted to the full tolerance at once.
    /// </summary>
    private static (LinearModel, List<LinearFit>) FitMultinomial(TfidfVectorizer vectorizer, SparseRow[] train, IReadOnlyList<int> trainLabels,
        SparseRow[] val, IReadOnlyList<int> valLabels, int classCount, IReadOnlyList<double> grid, int threads,
        IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        const LinearForm form = LinearForm.Multinomial;
        var fits = new List<LinearFit>();
        var objective = new SoftmaxObjective(train, trainLabels, vectorizer.FeatureCount, classCount, threads) { Form = form };
        // One optimiser for every fit: its buffers are allocated once.
        var optimiser = new Lbfgs(Memory, GradientTolerance, MaximumIterations, threads);
        var choosing = grid.Count > 1;
        var theta = new float[objective.ParameterCount];
        var bestTheta = choosing ? new float[theta.Length] : theta;
        LinearFit? best = null;
        var planned = grid.Count + (choosing ? 1 : 0);

        LinearFit FitOne(double cValue, double tolerance, string stage)
        {
            ct.ThrowIfCancellationRequested();
            var fitClock = Stopwatch.StartNew();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            objective.C = cValue;
            optimiser.Tolerance = tolerance;
            var end = optimiser.Minimise(objective.Evaluate, theta, ct);
            var (trainAccuracy, trainLoss) = Score(objective, theta, train, trainLabels, threads);
            var (valAccuracy, valLoss) = Score(objective, theta, val, valLabels, threads);
            var fit = new LinearFit(cValue, trainAccuracy, trainLoss, valAccuracy, valLoss, fitClock.Elapsed.TotalSeconds)
            {
                Iterations = end.Iterations, Objective = end.Value, Converged = end.Converged,
                CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
                Form = form, Tolerance = tolerance, Stage = stage, Solver = "L-BFGS",
            };
            fits.Add(fit);
            progress?.Report(new ProgressUpdate("fit", fits.Count, planned,
                $"{stage} {FormName(form)} C={cValue:G} (tolerance {tolerance:G}): train accuracy {trainAccuracy:P2}, val accuracy {valAccuracy:P2}, val loss {valLoss:F4} ({end.Iterations} L-BFGS iterations, {end.Evaluations} evaluations taking {end.FunctionSeconds:F1} s, objective {end.Value:F6}, {(end.Converged ? "converged" : "stopped: " + end.Stop)}, {fit.Seconds:F1} s, {fit.CpuSeconds:F1} CPU-s)"));
            return fit;
        }

        // Smallest C first, each fit starting from the previous C's optimum.
        foreach (var cValue in grid)
        {
            var candidate = FitOne(cValue, choosing ? SelectionTolerance : GradientTolerance, choosing ? "choose" : "fit");
            if (!Improves(candidate, best)) continue;
            best = candidate;
            if (choosing) Array.Copy(theta, bestTheta, theta.Length);
        }
        if (choosing)
        {
            Array.Copy(bestTheta, theta, theta.Length);
            best = FitOne(best!.C, GradientTolerance, "refine");
        }
        var (weights, biases) = objective.Unpack(theta);
        return (new LinearModel(vectorizer, weights, biases, best!.C, form), fits);
    }

    /// <summary>
    /// Whether a fit of the grid (fitted in increasing C) replaces the best so far: only with a strictly higher
    /// validation accuracy, so a tie keeps the smaller C. That is the baseline's own rule (scikit-learn keeps the first
    /// maximum of an increasing grid) and the usual preference for the more regularised of equally accurate models. The
    /// validation loss is not the tie-break here: on the shared corpora it fell with every larger C of the grid (the
    /// probabilities sharpen), so it would keep the largest C of any tie (docs/training.md, "The linear model").
    /// </summary>
    internal static bool Improves(LinearFit candidate, LinearFit? best) =>
        best is null || candidate.ValAccuracy > best.ValAccuracy;

    /// <summary>The form as the CLI and options.json spell it.</summary>
    public static string FormName(LinearForm form) => form == LinearForm.OneVsRest ? "one-vs-rest" : "multinomial";

    /// <summary>Minimises <paramref name="objective"/> from <paramref name="theta"/> (in place: it ends at the minimiser).</summary>
    internal static LbfgsResult Minimise(SoftmaxObjective objective, float[] theta, int threads, CancellationToken ct = default,
        double tolerance = GradientTolerance, int memory = Memory) =>
        new Lbfgs(memory, tolerance, MaximumIterations, threads).Minimise(objective.Evaluate, theta, ct);

    /// <summary>
    /// The feature rows and labels of the training and of the validation documents, read as they are enumerated and
    /// transformed a block at a time in parallel (in their order).
    /// </summary>
    private static (SparseRow[] Train, int[] TrainLabels, SparseRow[] Val, int[] ValLabels) Transform(TfidfVectorizer vectorizer,
        IEnumerable<LinearDocument> documents, CancellationToken ct)
    {
        List<SparseRow> train = [], val = [];
        List<int> trainLabels = [], valLabels = [];
        foreach (var block in documents.Chunk(4096))
        {
            ct.ThrowIfCancellationRequested();
            var rows = new SparseRow[block.Length];
            Parallel.For(0, block.Length, i => rows[i] = vectorizer.Transform(block[i].Tokens));
            for (var i = 0; i < block.Length; i++)
            {
                (block[i].Validation ? val : train).Add(rows[i]);
                (block[i].Validation ? valLabels : trainLabels).Add(block[i].Label);
            }
        }
        return (train.ToArray(), trainLabels.ToArray(), val.ToArray(), valLabels.ToArray());
    }

    /// <summary>
    /// A full, compacting collection that returns freed memory to the system, between the fit's phases: each leaves
    /// hundreds of megabytes of large, dead objects behind (the vocabulary count's dictionaries, the rows' per-document
    /// counts), which the collector would otherwise keep resident beside the next phase's data, the run's peak (a
    /// quarter of a second each at the sample's bound; docs/benchmarks.md, "Memory at scale").
    /// </summary>
    internal static void ReleaseGarbage() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// The class scores W·x + b of rows, exactly as <see cref="LinearModel.Probabilities(SparseRow)"/> sums them (same
    /// float weights, same order), computed one class at a time so each class's weights stay in cache for all rows.
    /// </summary>
    internal static double[][] ClassScores(float[][] weights, float[] biases, IReadOnlyList<SparseRow> rows, int threads)
    {
        var scores = new double[rows.Count][];
        for (var i = 0; i < scores.Length; i++) scores[i] = new double[biases.Length];
        Parallel.For(0, biases.Length, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 }, k =>
        {
            var w = weights[k];
            for (var i = 0; i < rows.Count; i++)
            {
                double score = biases[k];
                var row = rows[i];
                for (var j = 0; j < row.Indices.Length; j++) score += (double)w[row.Indices[j]] * row.Values[j];
                scores[i][k] = score;
            }
        });
        return scores;
    }

    /// <summary>Accuracy and mean cross-entropy of class scores W·x + b in <paramref name="form"/>.</summary>
    private static (double Accuracy, double Loss) AccuracyAndLoss(double[][] scores, LinearForm form, IReadOnlyList<int> labels) =>
        Scores.AccuracyAndLoss(scores.Select(s => LinearModel.Normalise(s, form)).ToList(), labels);

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

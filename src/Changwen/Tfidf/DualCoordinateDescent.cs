namespace Changwen.Tfidf;

/// <summary>One class's binary fit by <see cref="DualCoordinateDescent"/>.</summary>
/// <param name="Epochs">Passes over the rows (liblinear's outer iterations).</param>
/// <param name="Objective">The primal objective ½‖w‖² + C·Σ log(1 + e^(−yᵢ·w·xᵢ)) (bias inside w) at the end.</param>
/// <param name="Converged">Whether the largest sub-problem gradient of an epoch fell below the tolerance.</param>
internal readonly record struct BinaryFit(int Epochs, double Objective, bool Converged);

/// <summary>
/// L2-regularised logistic regression, one-vs-rest, fitted class by class in the dual: Yu, Huang and Lin's dual
/// coordinate descent ("Dual coordinate descent methods for logistic regression and maximum entropy models", Machine
/// Learning 2011, Algorithm 5), the solver of liblinear's <c>-s 7</c> (L2R_LR_DUAL). Each class k is the binary problem
/// yᵢ = +1 when document i is of class k, −1 otherwise, with the bias a constant feature of value 1 that is penalised
/// like the others: scikit-learn's <c>LogisticRegression(solver='liblinear')</c> with <c>intercept_scaling=1</c>.
/// </summary>
/// <remarks>
/// Why the dual: with n documents ≪ d features (chinanews: 20 k against 1.2 M) the dual has n variables, one per
/// document, and a coordinate step costs two passes over one document's nonzeros (w·xᵢ, then w += Δ·yᵢ·xᵢ); an epoch is
/// one pass over the data per class with no d-sized vector traffic, where L-BFGS moves several 1.2 M × 17 vectors per
/// iteration. The classes are independent problems, fitted in parallel, each with its own seeded permutation stream, so
/// the result does not depend on the number of threads. α per class (two doubles a document) is kept between calls so
/// a larger C starts from the previous optimum scaled (<see cref="Fit"/>); w is rebuilt from it (w = Σ αᵢyᵢxᵢ) for the
/// class being fitted, in one of <c>threads</c> reused buffers, and kept only as the float weights of the model. So the
/// solver's memory is the rows, the model's floats and a few d-sized buffers, not a d-sized double vector per class
/// (2 M features × 17 classes: 277 MB; docs/benchmarks.md, "Memory at scale").
/// </remarks>
internal sealed class DualCoordinateDescent
{
    /// <summary>liblinear's cap on the outer iterations of this solver (<c>dual_solver_max_iter</c>).</summary>
    public const int DefaultMaximumEpochs = 300;
    /// <summary>liblinear's cap on Newton steps per coordinate sub-problem.</summary>
    private const int MaximumNewtonSteps = 100;
    /// <summary>The step shrink when a Newton step leaves (0, C): the paper's ξ.</summary>
    private const double Shrink = 0.1;

    private readonly SparseRow[] rows;
    private readonly int[] labels;
    private readonly int features;
    private readonly int classes;
    private readonly int seed;
    private readonly ParallelOptions parallel;
    /// <summary>‖xᵢ‖² + 1 (the bias feature): the diagonal of the dual's Q.</summary>
    private readonly double[] squaredNorms;
    /// <summary>Per class: α with C − α interleaved (liblinear's layout, both kept to avoid cancellation).</summary>
    private readonly double[][] alphas;
    /// <summary>Per class, the last fit's weights in the vectorizer's feature order, as floats (the model's), and its bias.</summary>
    private float[][]? modelWeights;
    private float[]? modelBiases;
    /// <summary>The last fit's class scores of each training row (<see cref="TrainingScores"/>).</summary>
    private double[][]? trainingScores;
    /// <summary>The w buffers (features, then the bias) of the classes being fitted, reused across classes and calls.</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<double[]> buffers = [];
    private double currentC;
    /// <summary>position[f]: where feature f's weight is kept in w (<see cref="Renumbered"/>).</summary>
    private readonly int[] position;

    /// <param name="threads">Classes fitted at once; 0 = every core.</param>
    /// <param name="takeRows">
    /// Renumber <paramref name="rows"/> in place instead of copying them: the caller gives them up (they are left in the
    /// solver's feature order), so the training rows are held once, not twice. Score them with <see cref="TrainingScores"/>.
    /// </param>
    public DualCoordinateDescent(IReadOnlyList<SparseRow> rows, IReadOnlyList<int> labels, int features, int classes, int seed, int threads,
        bool takeRows = false)
    {
        if (rows.Count != labels.Count) throw new ArgumentException("every row needs a label");
        this.rows = Renumbered(rows, features, takeRows, out position);
        this.labels = labels.ToArray();
        this.features = features;
        this.classes = classes;
        this.seed = seed;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
        squaredNorms = new double[this.rows.Length];
        for (var i = 0; i < this.rows.Length; i++)
        {
            var sum = 1.0;
            foreach (var v in this.rows[i].Values) sum += (double)v * v;
            squaredNorms[i] = sum;
        }
        alphas = new double[classes][];
    }

    /// <summary>
    /// The stopping tolerance on the largest |sub-problem gradient| of an epoch (liblinear's <c>eps</c>; its
    /// command-line default for <c>-s 7</c> is 0.1, scikit-learn passes its <c>tol</c>, 1e-4).
    /// </summary>
    public double Tolerance { get; set; } = 0.1;
    public int MaximumEpochs { get; set; } = DefaultMaximumEpochs;

    /// <summary>
    /// Fits every class at <paramref name="c"/>. The first call starts at liblinear's α = min(0.001·C, 1e-8); later calls
    /// start from the previous optimum with α scaled by C/C_previous (w = Σ αᵢyᵢxᵢ scales with it), which keeps α inside
    /// (0, C) and is close to the new optimum when the grid's steps are small in the dual's terms.
    /// </summary>
    public BinaryFit[] Fit(double c, CancellationToken ct = default)
    {
        if (!(c > 0 && double.IsFinite(c))) throw new ArgumentOutOfRangeException(nameof(c), c, "C must be positive");
        var ratio = currentC > 0 ? c / currentC : 0;
        var fits = new BinaryFit[classes];
        var weights = new float[classes][];
        var biases = new float[classes];
        var scores = new double[rows.Length][];
        for (var i = 0; i < scores.Length; i++) scores[i] = new double[classes];
        Parallel.For(0, classes, parallel, k =>
        {
            var w = buffers.TryTake(out var buffer) ? buffer : new double[features + 1];
            if (ratio > 0) Rescale(k, w, c, ratio);
            else Start(k, w, c);
            fits[k] = Solve(k, w, c, ct);
            // The model's floats; the training rows scored by them here, while w is in the solver's (cache-friendly) order.
            var model = weights[k] = new float[features];
            for (var f = 0; f < features; f++) model[f] = (float)w[position[f]];
            biases[k] = (float)w[features];
            for (var f = 0; f < w.Length; f++) w[f] = (float)w[f];
            for (var i = 0; i < rows.Length; i++) scores[i][k] = Dot(w, rows[i]);
            buffers.Add(w);
        });
        (modelWeights, modelBiases, trainingScores, currentC) = (weights, biases, scores, c);
        return fits;
    }

    /// <summary>
    /// The last fit's weights class by class (features only, in the vectorizer's order) and biases, as the model stores
    /// them: handed over, not copied (the next <see cref="Fit"/> makes new ones).
    /// </summary>
    public (float[][] Weights, float[] Biases) Model() =>
        modelWeights is null ? throw new InvalidOperationException("nothing fitted yet") : (modelWeights, modelBiases!);

    /// <summary>
    /// Each training row's class scores w·x + b by the last fit's float weights (<see cref="Model"/>'s), in the rows'
    /// order: summed in the solver's feature order, so equal to the model's own scores up to rounding.
    /// </summary>
    public double[][] TrainingScores() => trainingScores ?? throw new InvalidOperationException("nothing fitted yet");

    /// <summary>
    /// The rows with features renumbered by decreasing document frequency (ties: original order), each row's entries in
    /// the new order. A coordinate step reads and writes w at every nonzero of a row, at random places in 1.2 M
    /// doubles; with the frequent words first, most of those accesses fall in the first few hundred kilobytes of w,
    /// which stay in the core's cache. The arithmetic is unchanged (a row's sums run over the same terms in a
    /// different order).
    /// </summary>
    private static SparseRow[] Renumbered(IReadOnlyList<SparseRow> rows, int features, bool inPlace, out int[] position)
    {
        var counts = new int[features];
        foreach (var row in rows)
            foreach (var f in row.Indices) counts[f]++;
        var byFrequency = Enumerable.Range(0, features).OrderByDescending(f => counts[f]).ThenBy(f => f).ToArray();
        var map = new int[features];
        for (var at = 0; at < features; at++) map[byFrequency[at]] = at;
        position = map;
        var result = new SparseRow[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            var (indices, values) = inPlace ? (rows[i].Indices, rows[i].Values) : (new int[rows[i].Indices.Length], rows[i].Values.ToArray());
            for (var j = 0; j < indices.Length; j++) indices[j] = map[rows[i].Indices[j]];
            Array.Sort(indices, values);
            result[i] = new SparseRow(indices, values);
        });
        return result;
    }

    private sbyte Sign(int row, int k) => labels[row] == k ? (sbyte)1 : (sbyte)-1;

    private void Start(int k, double[] w, double c)
    {
        Array.Clear(w);
        var alpha = alphas[k] = new double[2 * rows.Length];
        var initial = Math.Min(0.001 * c, 1e-8);
        for (var i = 0; i < rows.Length; i++)
        {
            alpha[2 * i] = initial;
            alpha[2 * i + 1] = c - initial;
            AddScaled(w, rows[i], Sign(i, k) * initial);
        }
    }

    /// <summary>α scaled by <paramref name="ratio"/> and w = Σ αᵢyᵢxᵢ rebuilt from it into <paramref name="w"/>.</summary>
    private void Rescale(int k, double[] w, double c, double ratio)
    {
        Array.Clear(w);
        var alpha = alphas[k];
        for (var i = 0; i < rows.Length; i++)
        {
            alpha[2 * i] *= ratio;
            alpha[2 * i + 1] = c - alpha[2 * i];
            AddScaled(w, rows[i], Sign(i, k) * alpha[2 * i]);
        }
    }

    /// <summary>liblinear's <c>solve_l2r_lr_dual</c> for class k, from the state in place.</summary>
    private BinaryFit Solve(int k, double[] w, double c, CancellationToken ct)
    {
        var alpha = alphas[k];
        var l = rows.Length;
        var order = new int[l];
        for (var i = 0; i < l; i++) order[i] = i;
        // A stream per class and C, so the permutations do not depend on which thread fits which class.
        var random = new Random(HashCode32(seed, k, c));
        var innerTolerance = 1e-2;
        var innerToleranceMin = Math.Min(1e-8, Tolerance);
        var epochs = 0;
        var converged = false;
        while (epochs < MaximumEpochs)
        {
            ct.ThrowIfCancellationRequested();
            for (var i = 0; i < l - 1; i++)
            {
                var j = random.Next(i, l);
                (order[i], order[j]) = (order[j], order[i]);
            }
            var newtonSteps = 0;
            var largestGradient = 0.0;
            foreach (var i in order)
            {
                var y = Sign(i, k);
                var row = rows[i];
                var a = squaredNorms[i];
                var b = y * Dot(w, row);
                // The sub-problem in α's two halves (z, C − z): Newton on the half whose optimum is away from the bound
                // it would approach, so log(z) never loses precision (the paper's g₁ or g₂).
                var (first, second, sign) = 0.5 * a * (alpha[2 * i + 1] - alpha[2 * i]) + b < 0
                    ? (2 * i + 1, 2 * i, -1)
                    : (2 * i, 2 * i + 1, 1);
                var old = alpha[first];
                var z = old;
                if (c - z < 0.5 * c) z *= 0.1;
                var gradient = a * (z - old) + sign * b + Math.Log(z / (c - z));
                largestGradient = Math.Max(largestGradient, Math.Abs(gradient));
                var steps = 0;
                while (steps <= MaximumNewtonSteps && Math.Abs(gradient) >= innerTolerance)
                {
                    var curvature = a + c / (c - z) / z;
                    var next = z - gradient / curvature;
                    z = next <= 0 ? z * Shrink : next;
                    gradient = a * (z - old) + sign * b + Math.Log(z / (c - z));
                    steps++;
                }
                newtonSteps += steps;
                if (steps > 0)
                {
                    alpha[first] = z;
                    alpha[second] = c - z;
                    AddScaled(w, row, sign * (z - old) * y);
                }
            }
            epochs++;
            if (largestGradient < Tolerance)
            {
                converged = true;
                break;
            }
            // Sub-problems solved in few steps: solve them more exactly from now on.
            if (newtonSteps <= l / 10) innerTolerance = Math.Max(innerToleranceMin, 0.1 * innerTolerance);
        }
        return new BinaryFit(epochs, PrimalObjective(k, w, c), converged);
    }

    /// <summary>½‖w‖² + C·Σ log(1 + e^(−yᵢ·w·xᵢ)) of class k's current w.</summary>
    private double PrimalObjective(int k, double[] w, double c)
    {
        var squares = 0.0;
        foreach (var v in w) squares += v * v;
        var loss = 0.0;
        for (var i = 0; i < rows.Length; i++)
        {
            var margin = Sign(i, k) * Dot(w, rows[i]);
            loss += margin > 0 ? Math.Log(1 + Math.Exp(-margin)) : -margin + Math.Log(1 + Math.Exp(margin));
        }
        return 0.5 * squares + c * loss;
    }

    /// <summary>w·x with x's bias feature (w's last entry).</summary>
    private double Dot(double[] w, SparseRow row)
    {
        var sum = w[features];
        var indices = row.Indices;
        var values = row.Values;
        for (var j = 0; j < indices.Length; j++) sum += w[indices[j]] * values[j];
        return sum;
    }

    /// <summary>w += scale·x, bias feature included.</summary>
    private void AddScaled(double[] w, SparseRow row, double scale)
    {
        w[features] += scale;
        var indices = row.Indices;
        var values = row.Values;
        for (var j = 0; j < indices.Length; j++) w[indices[j]] += scale * values[j];
    }

    private static int HashCode32(int seed, int k, double c)
    {
        // A fixed mix (not HashCode.Combine, which is randomised per process).
        unchecked
        {
            var bits = BitConverter.DoubleToInt64Bits(c);
            var h = (uint)seed * 2654435761u;
            h = (h ^ (uint)k) * 2246822519u;
            h = (h ^ (uint)bits ^ (uint)(bits >> 32)) * 3266489917u;
            return (int)(h ^ (h >> 15));
        }
    }
}

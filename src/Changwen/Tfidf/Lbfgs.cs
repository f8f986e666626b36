namespace Changwen.Tfidf;

/// <summary>How a minimisation ended.</summary>
/// <param name="Iterations">L-BFGS iterations (accepted steps).</param>
/// <param name="Evaluations">Evaluations of the function and its gradient, line searches included.</param>
/// <param name="Value">The function at the final point.</param>
/// <param name="GradientMax">The largest |component| of the gradient there.</param>
/// <param name="Converged">Whether <paramref name="GradientMax"/> reached the tolerance.</param>
/// <param name="Stop">Why it stopped, in words.</param>
/// <param name="FunctionSeconds">Wall seconds spent inside the function (the rest is the optimiser's own vector passes).</param>
public sealed record LbfgsResult(int Iterations, int Evaluations, double Value, double GradientMax, bool Converged, string Stop,
    double FunctionSeconds = 0);

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, <i>Numerical Optimization</i>, 2nd ed., Algorithms 7.4 and 7.5) with a
/// line search that enforces the strong Wolfe conditions (Algorithms 3.5 and 3.6, cubic interpolation, c₁ = 10⁻⁴,
/// c₂ = 0.9), on float vectors updated in place: every buffer (the point, the gradient, a trial point and its
/// gradient, the direction, and the correction pairs) is allocated once per instance and reused by every
/// <see cref="Minimise"/> of it, so a grid of fits of 20 million weights holds (5 + 2m) × 80 MB and does no other
/// allocation.
/// </summary>
/// <remarks>
/// Why not a library: Math.NET Numerics' L-BFGS (double, a new parameter-sized vector per vector operation) took
/// 606.8 s and 8.9 GB for one C on chinanews; TorchSharp 0.107's <c>torch.optim.LBFGS</c> exposes no line search (a
/// fixed step, not a minimiser); ML.NET's maximum-entropy trainer keeps its L-BFGS internal and was slower still
/// (docs/training.md). bench/Changwen.Bench's <c>linear-fit</c> checks this one against Math.NET's on real corpora.
/// It stops when the largest gradient component is at most the tolerance times the objective (the objective clamped to
/// [10⁻³, 1]): scikit-learn's L-BFGS rule (scipy's <c>pgtol</c>, absolute) where f ≥ 1, stricter where f is small. On
/// thucnews at C = 100 (f ≈ 0.053) the absolute rule stopped with f 1.8 % above its optimum; the relative one stops
/// within 10⁻⁴ of it at every C of the grid (bench linear-fit).
/// </remarks>
internal sealed class Lbfgs(int memory, double gradientTolerance, int maxIterations, int threads)
{
    /// <summary>The stopping tolerance (see <see cref="ToleranceAt"/>); a grid of fits may loosen or tighten it between minimisations.</summary>
    public double Tolerance { get; set; } = gradientTolerance;
    /// <summary>Writes ∇f(x) into <c>gradient</c> and returns f(x).</summary>
    public delegate double Function(float[] x, float[] gradient);

    private const double SufficientDecrease = 1e-4;   // c₁
    private const double Curvature = 0.9;             // c₂, the usual value for quasi-Newton methods
    private const int MaxLineSearchEvaluations = 25;
    /// <summary>Relative decrease of f below which further steps only move within float rounding (scipy's ftol, for floats).</summary>
    private const double ValueTolerance = 1e-9;

    private readonly FloatVectors vectors = new(threads);
    /// <summary>Evaluations of f in the current <see cref="Minimise"/>.</summary>
    private int evaluations;
    private float[][]? buffers;
    private float[][]? pairS, pairY;
    /// <summary>Time inside f in the current <see cref="Minimise"/>: the profile of a fit.</summary>
    private readonly System.Diagnostics.Stopwatch functionClock = new();

    /// <summary>The largest gradient component allowed at objective value <paramref name="value"/>.</summary>
    public double ToleranceAt(double value) => Tolerance * Math.Clamp(value, 1e-3, 1);

    /// <summary>Minimises <paramref name="f"/> from <paramref name="x"/>, which ends holding the minimiser.</summary>
    public LbfgsResult Minimise(Function f, float[] x, CancellationToken ct = default)
    {
        var n = x.Length;
        if (buffers is null || buffers[0].Length != n)
        {
            buffers = null;   // let the old ones go before the new ones are allocated
            buffers = [new float[n], new float[n], new float[n], new float[n]];
            (pairS, pairY) = (new float[memory][], new float[memory][]);
        }
        // Every minimisation of this instance reuses the buffers: a grid of fits allocates them once, instead of leaving
        // (4 + 2m) × 80 MB of large-object garbage per fit for a gen-2 collection that may come late (the 4 GB peak).
        var point = x;
        var (gradient, trial, trialGradient, direction) = (buffers[0], buffers[1], buffers[2], buffers[3]);
        var s = pairS!;
        var y = pairY!;
        var rho = new double[memory];
        var stored = 0;
        var newest = -1;
        var gamma = 1.0;

        evaluations = 1;
        functionClock.Reset();
        functionClock.Start();
        var value = f(point, gradient);
        functionClock.Stop();
        var gradientMax = vectors.MaxAbs(gradient);
        var iterations = 0;
        string stop;
        while (true)
        {
            if (gradientMax <= ToleranceAt(value)) { stop = "gradient below tolerance"; break; }
            if (iterations == maxIterations) { stop = $"{maxIterations} iterations"; break; }
            ct.ThrowIfCancellationRequested();

            var slope = Direction(gradient, direction, s, y, rho, stored, newest, gamma);
            if (!(slope < 0))
            {
                // Rounding can make −H·g an ascent direction; start the history again from steepest descent.
                stored = 0;
                slope = vectors.ScaleThenDot(direction, gradient, -1, gradient);
            }
            // The first step has no curvature to scale it: a unit move along −g would overshoot, so it is 1/‖g‖₁ (as
            // PyTorch's and minFunc's L-BFGS); later steps try the quasi-Newton step 1 first.
            var firstStep = stored == 0 ? Math.Min(1.0, 1.0 / vectors.SumAbs(gradient)) : 1.0;
            var search = LineSearch(f, point, value, direction, slope, firstStep, trial, trialGradient);
            if (search is not { } accepted) { stop = "line search found no decrease (float precision reached)"; break; }

            var slot = (newest + 1) % memory;
            s[slot] ??= new float[n];
            y[slot] ??= new float[n];
            var (sy, yy) = vectors.CorrectionPair(s[slot], y[slot], direction, accepted.Step, gradient, trialGradient);
            // A pair with no positive curvature would make H indefinite; skip it (the objective is convex, so this is rounding).
            if (sy > 1e-10 * yy && yy > 0)
            {
                rho[slot] = 1 / sy;
                gamma = sy / yy;
                newest = slot;
                stored = Math.Min(stored + 1, memory);
            }
            else if (stored == memory) stored--;   // the skipped pair overwrote the oldest one
            (point, trial) = (trial, point);
            (gradient, trialGradient) = (trialGradient, gradient);
            var previous = value;
            value = accepted.Value;
            gradientMax = vectors.MaxAbs(gradient);
            iterations++;
            if (gradientMax > ToleranceAt(value) && (previous - value) <= ValueTolerance * Math.Max(1, Math.Max(Math.Abs(previous), Math.Abs(value))))
            {
                stop = "no further decrease of the objective";
                break;
            }
        }
        if (!ReferenceEquals(point, x))
        {
            Array.Copy(point, x, n);
            // point is one of the buffers and x was swapped in its place: hand that buffer back as x's replacement.
            buffers = [gradient, trial, trialGradient, direction];
            for (var i = 0; i < buffers.Length; i++)
                if (ReferenceEquals(buffers[i], x)) buffers[i] = point;
        }
        else buffers = [gradient, trial, trialGradient, direction];
        return new LbfgsResult(iterations, evaluations, value, gradientMax, gradientMax <= ToleranceAt(value), stop,
            functionClock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// direction = −H·gradient by the two-loop recursion over the stored pairs, newest first; returns gradient·direction.
    /// Each pass over the vectors also takes the dot product the next step needs (one pass per pair and loop).
    /// </summary>
    private double Direction(float[] gradient, float[] direction, float[][] s, float[][] y, double[] rho, int stored, int newest, double gamma)
    {
        if (stored == 0) return vectors.ScaleThenDot(direction, gradient, -1, gradient);
        var memory = s.Length;
        var alpha = new double[memory];
        int Slot(int age) => ((newest - age) % memory + memory) % memory;
        // First loop, newest to oldest: α_i = ρ_i s_i·q, q −= α_i y_i (we carry −q); its last pass also scales by γ (r = γq).
        var dot = vectors.ScaleThenDot(direction, gradient, -1, s[Slot(0)]);
        for (var age = 0; age < stored; age++)
        {
            var i = Slot(age);
            alpha[i] = rho[i] * dot;
            dot = age + 1 < stored
                ? vectors.AddScaledThenDot(direction, y[i], -alpha[i], s[Slot(age + 1)])
                : vectors.AddScaledThenDot(direction, y[i], -alpha[i], y[Slot(stored - 1)], gamma);
        }
        // Oldest to newest: β = ρ_i y_i·r, r += (α_i − β) s_i; the last pass gives the slope gradient·direction.
        for (var age = stored - 1; age >= 0; age--)
        {
            var i = Slot(age);
            var beta = rho[i] * dot;
            dot = vectors.AddScaledThenDot(direction, s[i], alpha[i] - beta, age > 0 ? y[Slot(age - 1)] : gradient);
        }
        return dot;
    }

    private readonly record struct Accepted(double Step, double Value);

    /// <summary>
    /// A step t along <paramref name="direction"/> meeting the strong Wolfe conditions; on success <paramref name="trial"/>
    /// and <paramref name="trialGradient"/> hold x + t·d and its gradient. Null when no step lowers f (float precision).
    /// </summary>
    private Accepted? LineSearch(Function f, float[] x, double value, float[] direction, double slope, double firstStep,
        float[] trial, float[] trialGradient)
    {
        var evaluationsHere = 0;
        (double Value, double Slope) Evaluate(double step)
        {
            vectors.AddScaled(trial, x, direction, step);
            evaluations++;
            evaluationsHere++;
            functionClock.Start();
            var v = f(trial, trialGradient);
            functionClock.Stop();
            return (v, vectors.Dot(trialGradient, direction));
        }
        bool Armijo(double step, double v) => v <= value + SufficientDecrease * step * slope;
        bool StrongCurvature(double s) => Math.Abs(s) <= -Curvature * slope;

        // Bracketing phase (Algorithm 3.5).
        double previousStep = 0, previousValue = value, previousSlope = slope;
        var step = firstStep;
        double lo, hi, loValue, hiValue, loSlope, hiSlope;
        while (true)
        {
            var (v, d) = Evaluate(step);
            if (!double.IsFinite(v) || !Armijo(step, v) || evaluationsHere > 1 && v >= previousValue)
            {
                (lo, loValue, loSlope, hi, hiValue, hiSlope) = (previousStep, previousValue, previousSlope, step, v, d);
                break;
            }
            if (StrongCurvature(d)) return new Accepted(step, v);
            if (d >= 0)
            {
                (lo, loValue, loSlope, hi, hiValue, hiSlope) = (step, v, d, previousStep, previousValue, previousSlope);
                break;
            }
            if (evaluationsHere >= MaxLineSearchEvaluations) return Settle(step, v);
            // Still descending: extrapolate, between a little past this step and ten times it.
            var next = Cubic(previousStep, previousValue, previousSlope, step, v, d, step + 0.01 * (step - previousStep), 10 * step);
            (previousStep, previousValue, previousSlope) = (step, v, d);
            step = next;
        }

        // Zoom phase (Algorithm 3.6): lo satisfies Armijo and is the lowest point seen; the minimiser lies between lo and hi.
        while (evaluationsHere < MaxLineSearchEvaluations)
        {
            var width = Math.Abs(hi - lo);
            if (width < 1e-12 * Math.Max(1, Math.Abs(lo))) break;
            var low = Math.Min(lo, hi);
            var high = Math.Max(lo, hi);
            // Interpolate, but stay a tenth of the interval away from its ends so it keeps shrinking.
            var step2 = double.IsFinite(hiValue)
                ? Cubic(lo, loValue, loSlope, hi, hiValue, hiSlope, low + 0.1 * width, high - 0.1 * width)
                : low + 0.5 * width;
            var (v, d) = Evaluate(step2);
            if (!double.IsFinite(v) || !Armijo(step2, v) || v >= loValue)
                (hi, hiValue, hiSlope) = (step2, v, d);
            else
            {
                if (StrongCurvature(d)) return new Accepted(step2, v);
                if (d * (hi - lo) >= 0) (hi, hiValue, hiSlope) = (lo, loValue, loSlope);
                (lo, loValue, loSlope) = (step2, v, d);
            }
        }
        // No step met both conditions within the evaluations allowed: take the lowest point found if it lowers f.
        return lo > 0 && loValue < value ? Settle(lo, loValue) : null;

        Accepted Settle(double at, double v)
        {
            Evaluate(at);   // trial and trialGradient must hold the accepted point
            return new Accepted(at, v);
        }
    }

    /// <summary>
    /// The minimiser of the cubic through (a, fa, ga) and (b, fb, gb), clamped to [min, max]; the midpoint of the bounds
    /// when the cubic has no minimiser.
    /// </summary>
    internal static double Cubic(double a, double fa, double ga, double b, double fb, double gb, double min, double max)
    {
        var d1 = ga + gb - 3 * (fa - fb) / (a - b);
        var square = d1 * d1 - ga * gb;
        if (square >= 0 && a != b)
        {
            var d2 = Math.Sign(b - a) * Math.Sqrt(square);
            var t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
            if (double.IsFinite(t)) return Math.Clamp(t, min, max);
        }
        return 0.5 * (min + max);
    }
}

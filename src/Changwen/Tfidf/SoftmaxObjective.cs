using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Changwen.Tfidf;

/// <summary>
/// The objective of L2-regularised multinomial (or one-vs-rest, <see cref="Form"/>) logistic regression on sparse rows, scaled by 1/n:
/// f(W, b) = (1/n) Σᵢ −log softmax(Wᵀxᵢ + b)[yᵢ] + ‖W‖² / (2·C·n), the biases unpenalised — scikit-learn's
/// C·Σ cross-entropy + ½‖W‖² divided by C·n, so it has the same minimiser. Value and gradient for an optimiser.
/// </summary>
/// <remarks>
/// The parameter vector holds W feature-major (<c>θ[f·K + k]</c>, K = classes), then the K biases. The data is kept
/// once, compressed by feature (for each feature, the rows holding it in increasing order, and their values), and both
/// passes walk it feature by feature, so the 20 M weights of a large corpus are read in order instead of gathered at
/// random (one cache miss per nonzero): the scores pass splits the rows into one block per thread, each block scanning
/// every feature's entries of its own rows and adding them into its own rows' scores; the gradient pass splits the
/// features and gathers each feature's gradient from the residuals of its rows, which fit in cache.
/// </remarks>
internal sealed class SoftmaxObjective
{
    private readonly int[] columnStart, columnRows;
    private readonly float[] columnValues;
    /// <summary>blockStart[b][f]: the first entry of feature f whose row is in row block b (rows sorted within a feature).</summary>
    private readonly int[][] blockStart;
    private readonly int[] blockRows;
    private readonly int[] labels;
    private readonly int n;
    private readonly ParallelOptions parallel;
    /// <summary>Scores, then (softmax − one-hot) / n, of every row, K per row.</summary>
    private readonly float[] residual;
    private const int FeatureChunk = 4096;

    /// <param name="threads">Threads for a pass over the data; 0 = every core.</param>
    public SoftmaxObjective(IReadOnlyList<SparseRow> rows, IReadOnlyList<int> labels, int features, int classes, int threads)
    {
        n = rows.Count;
        Features = features;
        Classes = classes;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
        this.labels = labels.ToArray();
        residual = new float[n * classes];
        columnStart = new int[features + 1];
        foreach (var row in rows)
            foreach (var f in row.Indices) columnStart[f + 1]++;
        for (var f = 0; f < features; f++) columnStart[f + 1] += columnStart[f];
        columnRows = new int[columnStart[features]];
        columnValues = new float[columnStart[features]];
        var next = columnStart[..^1].ToArray();
        for (var i = 0; i < n; i++)
            for (var j = 0; j < rows[i].Indices.Length; j++)
            {
                var at = next[rows[i].Indices[j]]++;
                columnRows[at] = i;
                columnValues[at] = rows[i].Values[j];
            }

        // Row blocks for the scores pass: one per thread. A row's score sums its features in increasing order whatever
        // the blocks, so the value does not depend on the number of threads.
        var blocks = Math.Max(1, Math.Min(n, threads > 0 ? threads : Environment.ProcessorCount));
        blockRows = Enumerable.Range(0, blocks + 1).Select(b => (int)((long)n * b / blocks)).ToArray();
        blockStart = new int[blocks + 1][];
        blockStart[0] = columnStart;
        blockStart[blocks] = columnStart[1..];
        for (var b = 1; b < blocks; b++)
        {
            var first = blockRows[b];
            var starts = new int[features];
            for (var f = 0; f < features; f++)
            {
                var at = Array.BinarySearch(columnRows, columnStart[f], columnStart[f + 1] - columnStart[f], first);
                starts[f] = at >= 0 ? at : ~at;
            }
            blockStart[b] = starts;
        }
    }

    /// <summary>The inverse regularisation strength (scikit-learn's C).</summary>
    public double C { get; set; } = 1;
    /// <summary>
    /// Multinomial: one softmax over the classes. One-vs-rest: the sum of K independent binary logistic regressions
    /// (class k against the rest, each with its own unpenalised bias) on the same data and the same parameter layout;
    /// the sum's minimiser is each binary problem's minimiser, so one L-BFGS fits all K at once.
    /// </summary>
    public LinearForm Form { get; set; } = LinearForm.Multinomial;
    public int Features { get; }
    public int Classes { get; }
    public int ParameterCount => (Features + 1) * Classes;

    /// <summary>f(θ), writing ∇f(θ) into <paramref name="gradient"/>.</summary>
    /// <remarks>
    /// Float weights and gradient (half the memory traffic of doubles; the tolerance, 1e-4 on a gradient component, is
    /// far above float rounding), scores accumulated in float, the softmax and the loss in double. Rows and features are
    /// cut into fixed chunks whose sums are added in order, so the value does not depend on the threads.
    /// </remarks>
    public double Evaluate(float[] theta, float[] gradient)
    {
        var k = Classes;
        var biasAt = Features * k;
        var inverseN = 1.0 / n;
        var blocks = blockRows.Length - 1;
        var losses = new double[blocks];
        Parallel.For(0, blocks, parallel, b =>
        {
            var (first, last) = (blockRows[b], blockRows[b + 1]);
            for (var i = first; i < last; i++) theta.AsSpan(biasAt, k).CopyTo(residual.AsSpan(i * k, k));
            var (from, to) = (blockStart[b], blockStart[b + 1]);
            for (var f = 0; f < Features; f++)
            {
                var end = to[f];
                if (from[f] == end) continue;
                var w = theta.AsSpan(f * k, k);
                for (var j = from[f]; j < end; j++)
                    AddScaled(residual.AsSpan(columnRows[j] * k, k), w, columnValues[j]);
            }
            Span<double> p = stackalloc double[k];
            var loss = 0.0;
            for (var i = first; i < last && Form == LinearForm.OneVsRest; i++)
            {
                // K binary logistic losses: log(1 + e^z) − t·z with t = [k is the label], residual (σ(z) − t) / n.
                var z = residual.AsSpan(i * k, k);
                for (var cl = 0; cl < k; cl++)
                {
                    double score = z[cl];
                    var target = cl == labels[i] ? 1.0 : 0.0;
                    loss += Math.Max(score, 0) + Math.Log(1 + Math.Exp(-Math.Abs(score))) - target * score;
                    z[cl] = (float)((1 / (1 + Math.Exp(-score)) - target) * inverseN);
                }
            }
            for (var i = first; i < last && Form == LinearForm.Multinomial; i++)
            {
                var z = residual.AsSpan(i * k, k);
                var max = double.NegativeInfinity;
                for (var cl = 0; cl < k; cl++) max = Math.Max(max, z[cl]);
                var sum = 0.0;
                for (var cl = 0; cl < k; cl++) sum += p[cl] = Math.Exp(z[cl] - max);
                loss += max + Math.Log(sum) - z[labels[i]];
                // residual = (softmax − one-hot(y)) / n, over the scores it replaces
                for (var cl = 0; cl < k; cl++) z[cl] = (float)(p[cl] / sum * inverseN);
                z[labels[i]] = (float)((p[labels[i]] / sum - 1) * inverseN);
            }
            losses[b] = loss;
        });

        var penalty = (float)(1 / (C * n));
        var featureChunks = (Features + FeatureChunk - 1) / FeatureChunk;
        var squares = new double[featureChunks];
        Parallel.For(0, featureChunks, parallel, chunk =>
        {
            var sum = 0.0;
            for (var f = chunk * FeatureChunk; f < Math.Min(Features, (chunk + 1) * FeatureChunk); f++)
            {
                var w = theta.AsSpan(f * k, k);
                var g = gradient.AsSpan(f * k, k);
                for (var cl = 0; cl < k; cl++)
                {
                    g[cl] = penalty * w[cl];
                    sum += w[cl] * w[cl];
                }
                for (var j = columnStart[f]; j < columnStart[f + 1]; j++)
                    AddScaled(g, residual.AsSpan(columnRows[j] * k, k), columnValues[j]);
            }
            squares[chunk] = sum;
        });
        var bias = gradient.AsSpan(biasAt, k);
        for (var cl = 0; cl < k; cl++)
        {
            var g = 0.0;
            for (var i = 0; i < n; i++) g += residual[i * k + cl];
            bias[cl] = (float)g;
        }
        var totalLoss = 0.0;
        foreach (var l in losses) totalLoss += l;
        var totalSquares = 0.0;
        foreach (var q in squares) totalSquares += q;
        return totalLoss * inverseN + 0.5 / (C * n) * totalSquares;
    }

    /// <summary>target += scale · source, over the K classes of one feature or row.</summary>
    /// <remarks>
    /// The innermost operation of both passes (twice per nonzero: 30 M times an evaluation on chinanews), so it works on
    /// references without bounds checks or slicing: 8-float fused multiply-adds, then the tail (one float for K = 17).
    /// </remarks>
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float scale)
    {
        ref var t = ref MemoryMarshal.GetReference(target);
        ref var s = ref MemoryMarshal.GetReference(source);
        var length = target.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            var factor = Vector256.Create(scale);
            for (; i <= length - 8; i += 8)
                Fma.MultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)i), factor, Vector256.LoadUnsafe(ref t, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
        }
        for (; i < length; i++) Unsafe.Add(ref t, i) += Unsafe.Add(ref s, i) * scale;
    }

    /// <summary>
    /// The probabilities the model unpacked from θ gives a row (<see cref="LinearModel.Probabilities(SparseRow)"/>: the
    /// same sums in the same order), read from θ's feature-major layout: 17 adjacent floats per nonzero instead of one
    /// from each of 17 class vectors, which made scoring the training split after each fit take seconds on chinanews.
    /// </summary>
    public float[] Probabilities(float[] theta, SparseRow row)
    {
        var k = Classes;
        var scores = new double[k];
        for (var cl = 0; cl < k; cl++) scores[cl] = theta[Features * k + cl];
        for (var j = 0; j < row.Indices.Length; j++)
        {
            var w = theta.AsSpan(row.Indices[j] * k, k);
            var value = row.Values[j];
            for (var cl = 0; cl < k; cl++) scores[cl] += (double)w[cl] * value;
        }
        return LinearModel.Normalise(scores, Form);
    }

    /// <summary>θ as the model's class-major weights and biases.</summary>
    public (float[][] Weights, float[] Biases) Unpack(float[] theta)
    {
        var weights = new float[Classes][];
        for (var cl = 0; cl < Classes; cl++)
        {
            weights[cl] = new float[Features];
            for (var f = 0; f < Features; f++) weights[cl][f] = theta[f * Classes + cl];
        }
        var biases = new float[Classes];
        for (var cl = 0; cl < Classes; cl++) biases[cl] = theta[Features * Classes + cl];
        return (weights, biases);
    }
}

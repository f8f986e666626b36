using System.Numerics;

namespace Changwen.Tfidf;

/// <summary>
/// The objective of L2-regularised multinomial logistic regression on sparse rows, scaled by 1/n:
/// f(W, b) = (1/n) Σᵢ −log softmax(Wᵀxᵢ + b)[yᵢ] + ‖W‖² / (2·C·n), the biases unpenalised — scikit-learn's
/// C·Σ cross-entropy + ½‖W‖² divided by C·n, so it has the same minimiser. Value and gradient for an optimiser.
/// </summary>
/// <remarks>
/// The parameter vector holds W feature-major (<c>θ[f·K + k]</c>, K = classes), then the K biases: each nonzero of a
/// row then touches K adjacent numbers, so a pass over the data costs one cache line per nonzero. The gradient of W is
/// gathered per feature from the transposed rows, so features are updated in parallel without locks.
/// </remarks>
internal sealed class SoftmaxObjective
{
    private readonly int[] rowStart, columns;
    private readonly float[] values;
    private readonly int[] columnStart, columnRows;
    private readonly float[] columnValues;
    private readonly int[] labels;
    private readonly int n;
    private readonly ParallelOptions parallel;
    /// <summary>(softmax − one-hot) / n of every row, K per row: written by the pass over rows, read by the pass over features.</summary>
    private readonly float[] residual;
    private const int RowChunk = 256;
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
        rowStart = new int[n + 1];
        for (var i = 0; i < n; i++) rowStart[i + 1] = rowStart[i] + rows[i].Indices.Length;
        columns = new int[rowStart[n]];
        values = new float[rowStart[n]];
        for (var i = 0; i < n; i++)
        {
            rows[i].Indices.CopyTo(columns, rowStart[i]);
            rows[i].Values.CopyTo(values, rowStart[i]);
        }
        // The transpose (compressed by feature), for the gradient of W.
        columnStart = new int[features + 1];
        foreach (var f in columns) columnStart[f + 1]++;
        for (var f = 0; f < features; f++) columnStart[f + 1] += columnStart[f];
        columnRows = new int[columns.Length];
        columnValues = new float[columns.Length];
        var next = columnStart[..^1].ToArray();
        for (var i = 0; i < n; i++)
            for (var j = rowStart[i]; j < rowStart[i + 1]; j++)
            {
                var at = next[columns[j]]++;
                columnRows[at] = i;
                columnValues[at] = values[j];
            }
    }

    /// <summary>The inverse regularisation strength (scikit-learn's C).</summary>
    public double C { get; set; } = 1;
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
        var rowChunks = (n + RowChunk - 1) / RowChunk;
        var losses = new double[rowChunks];
        Parallel.For(0, rowChunks, parallel, chunk =>
        {
            Span<float> z = stackalloc float[k];
            Span<double> p = stackalloc double[k];
            var loss = 0.0;
            for (var i = chunk * RowChunk; i < Math.Min(n, (chunk + 1) * RowChunk); i++)
            {
                theta.AsSpan(biasAt, k).CopyTo(z);
                for (var j = rowStart[i]; j < rowStart[i + 1]; j++)
                    AddScaled(z, theta.AsSpan(columns[j] * k, k), values[j]);
                var max = double.NegativeInfinity;
                for (var cl = 0; cl < k; cl++) max = Math.Max(max, z[cl]);
                var sum = 0.0;
                for (var cl = 0; cl < k; cl++) sum += p[cl] = Math.Exp(z[cl] - max);
                var r = residual.AsSpan(i * k, k);
                // residual = (softmax − one-hot(y)) / n
                for (var cl = 0; cl < k; cl++) r[cl] = (float)(p[cl] / sum * inverseN);
                r[labels[i]] = (float)((p[labels[i]] / sum - 1) * inverseN);
                loss += max + Math.Log(sum) - z[labels[i]];
            }
            losses[chunk] = loss;
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

    /// <summary>target += scale · source, over the K classes of one feature or row (two SIMD vectors and a tail for K = 17).</summary>
    private static void AddScaled(Span<float> target, ReadOnlySpan<float> source, float scale)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= target.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(target[i..]) + new Vector<float>(source[i..]) * scale).CopyTo(target[i..]);
        for (; i < target.Length; i++) target[i] += source[i] * scale;
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

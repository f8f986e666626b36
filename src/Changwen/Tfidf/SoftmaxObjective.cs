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

    /// <param name="threads">Threads for a pass over the data; 0 = every core.</param>
    public SoftmaxObjective(IReadOnlyList<SparseRow> rows, IReadOnlyList<int> labels, int features, int classes, int threads)
    {
        n = rows.Count;
        Features = features;
        Classes = classes;
        parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
        this.labels = labels.ToArray();
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
    public double Evaluate(double[] theta, double[] gradient)
    {
        var k = Classes;
        var biasAt = Features * k;
        // residual[i·K + c] = (softmax_c − [c = yᵢ]) / n
        var residual = new double[n * k];
        var loss = 0.0;
        var gate = new Lock();
        Parallel.For(0, n, parallel, () => 0.0, (i, _, partial) =>
        {
            Span<double> z = stackalloc double[k];
            for (var cl = 0; cl < k; cl++) z[cl] = theta[biasAt + cl];
            for (var j = rowStart[i]; j < rowStart[i + 1]; j++)
            {
                var v = values[j];
                var w = columns[j] * k;
                for (var cl = 0; cl < k; cl++) z[cl] += v * theta[w + cl];
            }
            var max = double.NegativeInfinity;
            for (var cl = 0; cl < k; cl++) max = Math.Max(max, z[cl]);
            var sum = 0.0;
            for (var cl = 0; cl < k; cl++) sum += Math.Exp(z[cl] - max);
            var logSum = max + Math.Log(sum);
            for (var cl = 0; cl < k; cl++) residual[i * k + cl] = Math.Exp(z[cl] - logSum) / n;
            residual[i * k + labels[i]] -= 1.0 / n;
            return partial + (logSum - z[labels[i]]);
        }, partial => { lock (gate) loss += partial; });

        var penalty = 1 / (C * n);
        var squares = 0.0;
        Parallel.For(0, Features, parallel, () => 0.0, (f, _, partial) =>
        {
            var at = f * k;
            for (var cl = 0; cl < k; cl++) gradient[at + cl] = penalty * theta[at + cl];
            for (var j = columnStart[f]; j < columnStart[f + 1]; j++)
            {
                var v = columnValues[j];
                var r = columnRows[j] * k;
                for (var cl = 0; cl < k; cl++) gradient[at + cl] += v * residual[r + cl];
            }
            for (var cl = 0; cl < k; cl++) partial += theta[at + cl] * theta[at + cl];
            return partial;
        }, partial => { lock (gate) squares += partial; });
        for (var cl = 0; cl < k; cl++)
        {
            var g = 0.0;
            for (var i = 0; i < n; i++) g += residual[i * k + cl];
            gradient[biasAt + cl] = g;
        }
        return loss / n + 0.5 * penalty * squares;
    }

    /// <summary>θ as the model's class-major weights and biases.</summary>
    public (float[][] Weights, float[] Biases) Unpack(double[] theta)
    {
        var weights = new float[Classes][];
        for (var cl = 0; cl < Classes; cl++)
        {
            weights[cl] = new float[Features];
            for (var f = 0; f < Features; f++) weights[cl][f] = (float)theta[f * Classes + cl];
        }
        var biases = new float[Classes];
        for (var cl = 0; cl < Classes; cl++) biases[cl] = (float)theta[Features * Classes + cl];
        return (weights, biases);
    }
}

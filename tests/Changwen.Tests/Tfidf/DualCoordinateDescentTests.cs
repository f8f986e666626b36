using Changwen.Tfidf;
using static Changwen.Tests.Tfidf.LinearModelTests;

namespace Changwen.Tests.Tfidf;

/// <summary>The one-vs-rest solver: liblinear's dual coordinate descent (<see cref="DualCoordinateDescent"/>).</summary>
public sealed class DualCoordinateDescentTests
{
    private static (SparseRow[] Rows, List<int> Labels, int Features) Data(int perClass, int seed)
    {
        var (tokens, labels) = Corpus(perClass, seed);
        var vectorizer = TfidfVectorizer.Fit(tokens, maxNgram: 2, minDf: 1, maxChars: 1000);
        return (LinearTrainer.Transform(vectorizer, tokens), labels, vectorizer.FeatureCount);
    }

    private static DualCoordinateDescent Solver(SparseRow[] rows, List<int> labels, int features, int seed = 3, int threads = 1, double tolerance = 0.1) =>
        new(rows, labels, features, Classes.Length, seed, threads) { Tolerance = tolerance };

    private static double[] Scores(float[][] weights, float[] biases, SparseRow row) =>
        Enumerable.Range(0, biases.Length).Select(k =>
        {
            double z = biases[k];
            for (var j = 0; j < row.Indices.Length; j++) z += (double)weights[k][row.Indices[j]] * row.Values[j];
            return z;
        }).ToArray();

    [Fact]
    public void Fits_a_separable_corpus_perfectly_with_probabilities_that_sum_to_1()
    {
        var (rows, labels, features) = Data(20, 1);
        var solver = Solver(rows, labels, features);
        var fits = solver.Fit(100);
        Assert.All(fits, f => Assert.True(f.Converged));
        var (weights, biases) = solver.Model();
        for (var i = 0; i < rows.Length; i++)
        {
            var p = LinearModel.Normalise(Scores(weights, biases, rows[i]), LinearForm.OneVsRest);
            Assert.Equal(labels[i], Array.IndexOf(p, p.Max()));
            Assert.Equal(1.0, p.Sum(v => (double)v), 5);
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(10.0)]
    public void Ends_at_the_optimum_a_tight_LBFGS_fit_of_the_same_objective_reaches(double c)
    {
        // liblinear's primal, Σₖ ½‖wₖ‖² + C·Σᵢ log(1 + e^(−yᵢₖ·(wₖ·xᵢ + bₖ))) with the bias penalised, scaled by 1/(C·n)
        // for L-BFGS's tolerance, minimised over θ = K blocks of (weights, bias).
        var (rows, labels, features) = Data(10, 2);
        var k = Classes.Length;
        var n = rows.Length;
        var width = features + 1;
        double Primal(float[] theta, float[] gradient)
        {
            Array.Clear(gradient);
            var value = 0.0;
            for (var cl = 0; cl < k; cl++)
            {
                for (var f = 0; f < width; f++)
                {
                    value += 0.5 * theta[cl * width + f] * theta[cl * width + f];
                    gradient[cl * width + f] = theta[cl * width + f];
                }
                for (var i = 0; i < n; i++)
                {
                    var y = labels[i] == cl ? 1.0 : -1.0;
                    double z = theta[cl * width + features];
                    for (var j = 0; j < rows[i].Indices.Length; j++) z += (double)theta[cl * width + rows[i].Indices[j]] * rows[i].Values[j];
                    var margin = y * z;
                    value += c * (margin > 0 ? Math.Log(1 + Math.Exp(-margin)) : -margin + Math.Log(1 + Math.Exp(margin)));
                    var slope = (float)(-c * y / (1 + Math.Exp(margin)));
                    gradient[cl * width + features] += slope;
                    for (var j = 0; j < rows[i].Indices.Length; j++) gradient[cl * width + rows[i].Indices[j]] += slope * rows[i].Values[j];
                }
            }
            var scale = 1 / (c * n);
            for (var p = 0; p < gradient.Length; p++) gradient[p] = (float)(gradient[p] * scale);
            return value * scale;
        }
        var theta = new float[k * width];
        var end = new Lbfgs(10, 1e-6, 5000, threads: 1).Minimise(Primal, theta);
        var reference = end.Value * c * n;

        var solver = Solver(rows, labels, features, tolerance: 1e-3);
        var dual = solver.Fit(c).Sum(f => f.Objective);
        Assert.InRange(dual, reference * (1 - 1e-3), reference * (1 + 1e-4));
        // And the weights are the same model: the same scores on every row.
        var (weights, biases) = solver.Model();
        for (var i = 0; i < n; i++)
        {
            var scores = Scores(weights, biases, rows[i]);
            for (var cl = 0; cl < k; cl++) Assert.InRange(Math.Abs(TrueScore(theta, cl, rows[i]) - scores[cl]), 0, 1e-2);
        }

        double TrueScore(float[] t, int cl, SparseRow row)
        {
            double z = t[cl * width + features];
            for (var j = 0; j < row.Indices.Length; j++) z += (double)t[cl * width + row.Indices[j]] * row.Values[j];
            return z;
        }
    }

    [Fact]
    public void The_result_depends_on_the_seed_only_not_on_the_threads()
    {
        var (rows, labels, features) = Data(15, 4);
        (float[][], float[]) FitWith(int threads, int seed)
        {
            var solver = Solver(rows, labels, features, seed: seed, threads: threads);
            solver.Fit(1);
            solver.Fit(10);
            return solver.Model();
        }
        var (oneWeights, oneBiases) = FitWith(threads: 1, seed: 5);
        var (threeWeights, threeBiases) = FitWith(threads: 3, seed: 5);
        var (againWeights, againBiases) = FitWith(threads: 1, seed: 5);
        var (otherWeights, _) = FitWith(threads: 1, seed: 6);
        Assert.Equal(oneBiases, threeBiases);
        Assert.Equal(oneBiases, againBiases);
        for (var cl = 0; cl < Classes.Length; cl++)
        {
            Assert.Equal(oneWeights[cl], threeWeights[cl]);
            Assert.Equal(oneWeights[cl], againWeights[cl]);
        }
        // Another seed visits the coordinates in another order: a different (equally good) point.
        Assert.Contains(Enumerable.Range(0, Classes.Length), cl => !oneWeights[cl].SequenceEqual(otherWeights[cl]));
    }

    [Fact]
    public void A_larger_C_starts_from_the_previous_optimum_and_reaches_the_same_objective()
    {
        var (rows, labels, features) = Data(10, 8);
        var warm = Solver(rows, labels, features, tolerance: 1e-3);
        warm.Fit(1);
        var warmFits = warm.Fit(10);
        var coldFits = Solver(rows, labels, features, tolerance: 1e-3).Fit(10);
        var (warmObjective, coldObjective) = (warmFits.Sum(f => f.Objective), coldFits.Sum(f => f.Objective));
        Assert.Equal(1, warmObjective / coldObjective, 4);
    }

    [Fact]
    public void Taking_the_rows_gives_the_same_model_and_scores_them_as_the_model_does()
    {
        var (rows, labels, features) = Data(12, 4);
        var copy = rows.Select(r => new SparseRow(r.Indices.ToArray(), r.Values.ToArray())).ToArray();
        var kept = Solver(rows, labels, features);
        var taking = new DualCoordinateDescent(copy, labels, features, Classes.Length, seed: 3, threads: 1, takeRows: true) { Tolerance = 0.1 };
        kept.Fit(1);
        kept.Fit(10);
        taking.Fit(1);
        taking.Fit(10);
        var (weights, biases) = kept.Model();
        var (takenWeights, takenBiases) = taking.Model();
        Assert.Equal(biases, takenBiases);
        for (var k = 0; k < weights.Length; k++) Assert.Equal(weights[k], takenWeights[k]);
        // The taken rows are renumbered in place (the solver's order), yet scored as the model scores the originals.
        Assert.Contains(Enumerable.Range(0, rows.Length), i => !copy[i].Indices.SequenceEqual(rows[i].Indices));
        var training = taking.TrainingScores();
        var scored = LinearTrainer.ClassScores(takenWeights, takenBiases, rows, threads: 1);
        for (var i = 0; i < rows.Length; i++)
        {
            var model = Scores(weights, biases, rows[i]);
            Assert.Equal(model, scored[i]); // exactly: the same floats summed in the same order
            for (var k = 0; k < model.Length; k++) Assert.Equal(model[k], training[i][k], 1e-9);
        }
    }
}

using Changwen.Bundle;
using Changwen.Runs;
using Changwen.Tfidf;

namespace Changwen.Tests.Tfidf;

public sealed class LinearModelTests
{
    internal static readonly string[] Classes = ["甲", "乙", "丙"];

    /// <summary>Documents of three classes, each built from its own words plus shared filler words, seeded.</summary>
    internal static (List<IReadOnlyList<string>> Tokens, List<int> Labels) Corpus(int perClass, int seed)
    {
        string[][] own = [["球赛", "队员", "冠军", "比分"], ["股市", "银行", "利率", "基金"], ["芯片", "手机", "网络", "软件"]];
        string[] filler = ["的", "了", "是", "在"];
        var random = new Random(seed);
        var tokens = new List<IReadOnlyList<string>>();
        var labels = new List<int>();
        for (var i = 0; i < perClass; i++)
            for (var c = 0; c < own.Length; c++)
            {
                var words = new List<string>();
                for (var w = 0; w < 8; w++)
                    words.Add(random.Next(3) == 0 ? filler[random.Next(filler.Length)] : own[c][random.Next(own[c].Length)]);
                tokens.Add(words);
                labels.Add(c);
            }
        return (tokens, labels);
    }

    internal static LinearFitResult Fit(double? c = null, int seed = 1, LinearForm? form = null)
    {
        var (train, trainLabels) = Corpus(20, seed);
        var (val, valLabels) = Corpus(5, seed + 100);
        return LinearTrainer.Fit(train, trainLabels, val, valLabels, Classes.Length, new ModelOptions { Kind = ModelKind.Linear, C = c, LinearForm = form },
            seed: 7, threads: 1);
    }

    [Fact]
    public void Fits_a_separable_corpus_perfectly()
    {
        var result = Fit(c: 100);
        var (train, labels) = Corpus(20, 1);
        Assert.Equal(1.0, result.Chosen.TrainAccuracy);
        for (var i = 0; i < train.Count; i++)
        {
            var p = result.Model.Probabilities(train[i]);
            Assert.Equal(labels[i], Array.IndexOf(p, p.Max()));
        }
    }

    [Fact]
    public void Probabilities_are_a_distribution()
    {
        var result = Fit();
        var (docs, _) = Corpus(5, 55);
        docs.Add(["没见过", "的", "词"]);
        docs.Add([]);
        foreach (var doc in docs)
        {
            var p = result.Model.Probabilities(doc);
            Assert.Equal(Classes.Length, p.Length);
            Assert.All(p, v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(1.0, p.Sum(v => (double)v), 5);
        }
    }

    [Fact]
    public void C_is_chosen_on_validation_from_the_grid_unless_given()
    {
        var chosen = Fit();
        var compared = chosen.Fits.Where(f => f.Stage == "choose").ToList();
        // The default form, one-vs-rest, fitted fully at every C by dual coordinate descent: no refine.
        Assert.Equal(LinearTrainer.CGrid, compared.Select(f => f.C));
        Assert.Equal(compared, chosen.Fits);
        // The best validation accuracy; a tie keeps the smaller C (LinearTrainer.Improves).
        var best = compared.OrderByDescending(f => f.ValAccuracy).ThenBy(f => f.C).First();
        Assert.Equal((best.C, LinearForm.OneVsRest), (chosen.Model.C, chosen.Model.Form));
        Assert.Same(best, chosen.Chosen);
        // Less regularisation fits the training documents more confidently: the fits really differ.
        Assert.True(compared[2].TrainLoss < compared[0].TrainLoss);

        var given = Fit(c: 3, form: LinearForm.Multinomial);
        Assert.Equal([3.0], given.Fits.Select(f => f.C));
        Assert.Equal(3.0, given.Model.C);

        // The multinomial form over the grid: each C fitted loosely by L-BFGS, the winner refined.
        var multinomial = Fit(form: LinearForm.Multinomial);
        var loose = multinomial.Fits.Where(f => f.Stage == "choose").ToList();
        Assert.Equal(LinearTrainer.CGrid, loose.Select(f => f.C));
        var looseBest = loose.OrderByDescending(f => f.ValAccuracy).ThenBy(f => f.C).First();
        Assert.Equal(("refine", looseBest.C, LinearForm.Multinomial, LinearTrainer.GradientTolerance),
            (multinomial.Chosen.Stage, multinomial.Chosen.C, multinomial.Chosen.Form, multinomial.Chosen.Tolerance));
    }

    [Fact]
    public void A_C_that_is_not_positive_is_refused()
    {
        var e = Assert.Throws<UserInputException>(() => Fit(c: 0));
        Assert.Contains("--C", e.Message);
    }

    [Fact]
    public void Saved_and_loaded_model_gives_identical_probabilities()
    {
        using var dir = new TempDir();
        var result = Fit();
        var path = Path.Combine(dir.Path, RunFolder.LinearModelFile);
        result.Model.Save(path);
        var loaded = LinearModel.Load(path);
        var (docs, _) = Corpus(5, 77);
        foreach (var doc in docs)
            Assert.Equal(result.Model.Probabilities(doc), loaded.Probabilities(doc));
        Assert.Equal(result.Model.C, loaded.C);
    }

    [Fact]
    public void A_damaged_model_file_is_refused_by_name()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, RunFolder.LinearModelFile);
        Fit(c: 1).Model.Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<UserInputException>(() => LinearModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void The_objectives_gradient_matches_finite_differences()
    {
        var (train, labels) = Corpus(4, 9);
        var vectorizer = TfidfVectorizer.Fit(train, maxNgram: 2, minDf: 1, maxChars: 1000);
        var objective = new SoftmaxObjective(LinearTrainer.Transform(vectorizer, train), labels, vectorizer.FeatureCount, Classes.Length, threads: 1) { C = 2 };
        var random = new Random(3);
        var theta = Enumerable.Range(0, objective.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var gradient = new float[theta.Length];
        objective.Evaluate(theta, gradient);
        foreach (var i in new[] { 0, 1, theta.Length / 2, theta.Length - 1, theta.Length - Classes.Length })
        {
            // Float weights: a step of 1e-2 keeps rounding (1e-7 of f) well below the central difference's accuracy.
            const float h = 1e-2f;
            var plus = (float[])theta.Clone();
            var minus = (float[])theta.Clone();
            plus[i] += h;
            minus[i] -= h;
            var numeric = (objective.Evaluate(plus, new float[theta.Length]) - objective.Evaluate(minus, new float[theta.Length])) / (plus[i] - minus[i]);
            Assert.Equal(numeric, gradient[i], 4);
        }
    }

    [Fact]
    public void The_objective_does_not_depend_on_the_number_of_threads()
    {
        var (train, labels) = Corpus(30, 4);
        var vectorizer = TfidfVectorizer.Fit(train, maxNgram: 2, minDf: 1, maxChars: 1000);
        var rows = LinearTrainer.Transform(vectorizer, train);
        var one = new SoftmaxObjective(rows, labels, vectorizer.FeatureCount, Classes.Length, threads: 1);
        var two = new SoftmaxObjective(rows, labels, vectorizer.FeatureCount, Classes.Length, threads: 2);
        var thetaOne = new float[one.ParameterCount];
        var thetaTwo = new float[one.ParameterCount];
        LinearTrainer.Minimise(one, thetaOne, threads: 1);
        LinearTrainer.Minimise(two, thetaTwo, threads: 2);
        Assert.Equal(thetaOne, thetaTwo);
    }

    [Fact]
    public void The_fit_reaches_the_optimum_and_the_model_scores_with_the_fitted_function()
    {
        var (train, labels) = Corpus(20, 3);
        var vectorizer = TfidfVectorizer.Fit(train, maxNgram: 2, minDf: 2, maxChars: 1000);
        var rows = LinearTrainer.Transform(vectorizer, train);
        var objective = new SoftmaxObjective(rows, labels, vectorizer.FeatureCount, Classes.Length, threads: 1) { C = 10 };
        var theta = new float[objective.ParameterCount];
        var end = LinearTrainer.Minimise(objective, theta, threads: 1);
        Assert.True(end.Converged, end.Stop);
        var gradient = new float[theta.Length];
        var atOptimum = objective.Evaluate(theta, gradient);
        Assert.Equal(end.Value, atOptimum);
        // Convex and smooth: at the minimiser the gradient vanishes, and no nearby point is lower.
        Assert.True(gradient.Max(Math.Abs) <= LinearTrainer.GradientTolerance * Math.Min(1, atOptimum), $"largest gradient component {gradient.Max(Math.Abs)}");
        var random = new Random(5);
        for (var trial = 0; trial < 5; trial++)
        {
            var moved = theta.Select(t => t + (float)(0.1 * (random.NextDouble() - 0.5))).ToArray();
            Assert.True(objective.Evaluate(moved, new float[theta.Length]) > atOptimum);
        }

        // The saved model's own sparse dot product and softmax give the probabilities of the fitted function.
        var (weights, biases) = objective.Unpack(theta);
        var model = new LinearModel(vectorizer, weights, biases, 10);
        for (var i = 0; i < rows.Length; i++)
        {
            var z = new double[Classes.Length];
            for (var k = 0; k < z.Length; k++)
            {
                z[k] = theta[vectorizer.FeatureCount * Classes.Length + k];
                for (var j = 0; j < rows[i].Indices.Length; j++) z[k] += rows[i].Values[j] * theta[rows[i].Indices[j] * Classes.Length + k];
            }
            var max = z.Max();
            var sum = z.Sum(v => Math.Exp(v - max));
            var p = model.Probabilities(rows[i]);
            for (var k = 0; k < z.Length; k++) Assert.Equal(Math.Exp(z[k] - max) / sum, p[k], 5);
        }
    }

    [Fact]
    public void Features_are_tfidf_rows_of_unit_length_over_words_and_bigrams_seen_in_two_documents()
    {
        IReadOnlyList<IReadOnlyList<string>> docs = [["a", "b", "a"], ["a", "b"], ["c", "d"], ["a", "c"]];
        var vectorizer = TfidfVectorizer.Fit(docs, maxNgram: 2, minDf: 2, maxChars: 1000);
        // a (3 docs), b (2), c (2), "a b" (2); d and the other bigrams occur in one document only.
        Assert.Equal(4, vectorizer.FeatureCount);
        var row = vectorizer.Transform(["a", "b", "a", "zz"]);
        Assert.Equal(3, row.Indices.Length); // a, b, "a b"; "b a" and zz are not features
        Assert.Equal(1.0, Math.Sqrt(row.Values.Sum(v => (double)v * v)), 5);
        // smoothed idf: ln((1 + 4) / (1 + df)) + 1
        Assert.Equal(Math.Log(5.0 / 4) + 1, vectorizer.Idf[0], 5); // a
        // sublinear tf: a appears twice, b once, with b's idf larger
        var a = row.Values[0] / vectorizer.Idf[0];
        var b = row.Values[1] / vectorizer.Idf[1];
        Assert.Equal(1 + Math.Log(2), a / b, 4);
    }
}

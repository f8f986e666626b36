using Changwen.IO;
using Changwen.Runs;
using Changwen.Tfidf;
using static Changwen.Tests.Tfidf.LinearModelTests;

namespace Changwen.Tests.Tfidf;

/// <summary>The one-vs-rest form of the linear model, its choice on validation, and old runs loading as multinomial.</summary>
public sealed class LinearFormTests
{
    [Fact]
    public void One_vs_rest_fits_a_separable_corpus_perfectly()
    {
        var result = Fit(c: 100, form: LinearForm.OneVsRest);
        Assert.Equal(LinearForm.OneVsRest, result.Model.Form);
        Assert.Equal(1.0, result.Chosen.TrainAccuracy);
        Assert.True(result.Chosen.Converged);
        var (train, labels) = Corpus(20, 1);
        for (var i = 0; i < train.Count; i++)
        {
            var p = result.Model.Probabilities(train[i]);
            Assert.Equal(labels[i], Array.IndexOf(p, p.Max()));
        }
    }

    [Fact]
    public void One_vs_rest_probabilities_are_the_sigmoids_normalised_to_sum_to_1()
    {
        var (train, labels) = Corpus(10, 2);
        var vectorizer = TfidfVectorizer.Fit(train, maxNgram: 2, minDf: 1, maxChars: 1000);
        var rows = LinearTrainer.Transform(vectorizer, train);
        var objective = new SoftmaxObjective(rows, labels, vectorizer.FeatureCount, Classes.Length, threads: 1) { C = 5, Form = LinearForm.OneVsRest };
        var theta = new float[objective.ParameterCount];
        Assert.True(LinearTrainer.Minimise(objective, theta, threads: 1).Converged);
        var (weights, biases) = objective.Unpack(theta);
        var model = new LinearModel(vectorizer, weights, biases, 5, LinearForm.OneVsRest);
        List<IReadOnlyList<string>> docs = [.. Corpus(3, 60).Tokens, ["没见过", "的", "词"], []];
        foreach (var doc in docs)
        {
            var row = vectorizer.Transform(doc);
            var sigmoids = Enumerable.Range(0, Classes.Length).Select(k =>
            {
                double z = biases[k];
                for (var j = 0; j < row.Indices.Length; j++) z += weights[k][row.Indices[j]] * row.Values[j];
                return 1 / (1 + Math.Exp(-z));
            }).ToArray();
            var p = model.Probabilities(doc);
            Assert.Equal(1.0, p.Sum(v => (double)v), 5);
            for (var k = 0; k < p.Length; k++) Assert.Equal(sigmoids[k] / sigmoids.Sum(), p[k], 5);
        }
    }

    [Theory]
    [InlineData(LinearForm.Multinomial)]
    [InlineData(LinearForm.OneVsRest)]
    public void The_fit_is_scored_with_exactly_the_saved_models_probabilities(LinearForm form)
    {
        // The trainer scores train and validation from θ's feature-major layout; the model must give the same figures.
        var (train, labels) = Corpus(10, 4);
        var vectorizer = TfidfVectorizer.Fit(train, maxNgram: 2, minDf: 1, maxChars: 1000);
        var rows = LinearTrainer.Transform(vectorizer, train);
        var objective = new SoftmaxObjective(rows, labels, vectorizer.FeatureCount, Classes.Length, threads: 1) { C = 5, Form = form };
        var theta = new float[objective.ParameterCount];
        LinearTrainer.Minimise(objective, theta, threads: 1);
        var (weights, biases) = objective.Unpack(theta);
        var model = new LinearModel(vectorizer, weights, biases, 5, form);
        foreach (var row in LinearTrainer.Transform(vectorizer, [.. Corpus(3, 61).Tokens, []]))
            Assert.Equal(model.Probabilities(row), objective.Probabilities(theta, row));
    }

    [Fact]
    public void The_one_vs_rest_gradient_matches_finite_differences()
    {
        var (train, labels) = Corpus(4, 9);
        var vectorizer = TfidfVectorizer.Fit(train, maxNgram: 2, minDf: 1, maxChars: 1000);
        var objective = new SoftmaxObjective(LinearTrainer.Transform(vectorizer, train), labels, vectorizer.FeatureCount, Classes.Length, threads: 1)
            { C = 2, Form = LinearForm.OneVsRest };
        var random = new Random(3);
        var theta = Enumerable.Range(0, objective.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var gradient = new float[theta.Length];
        objective.Evaluate(theta, gradient);
        foreach (var i in new[] { 0, 1, theta.Length / 2, theta.Length - 1, theta.Length - Classes.Length })
        {
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
    public void A_one_vs_rest_model_saves_and_loads_with_identical_probabilities()
    {
        using var dir = new TempDir();
        var model = Fit(c: 10, form: LinearForm.OneVsRest).Model;
        var path = Path.Combine(dir.Path, RunFolder.LinearModelFile);
        model.Save(path);
        var loaded = LinearModel.Load(path);
        Assert.Equal(LinearForm.OneVsRest, loaded.Form);
        foreach (var doc in Corpus(5, 77).Tokens)
            Assert.Equal(model.Probabilities(doc), loaded.Probabilities(doc));
    }

    [Fact]
    public void The_default_form_is_one_vs_rest_and_multinomial_is_given()
    {
        var result = Fit();
        Assert.All(result.Fits, f => Assert.Equal(LinearForm.OneVsRest, f.Form));
        Assert.Equal(LinearForm.OneVsRest, result.Model.Form);
        var multinomial = Fit(form: LinearForm.Multinomial);
        Assert.All(multinomial.Fits, f => Assert.Equal((LinearForm.Multinomial, "L-BFGS"), (f.Form, f.Solver)));
        Assert.Equal(LinearForm.Multinomial, multinomial.Model.Form);

        var given = Fit(form: LinearForm.OneVsRest);
        Assert.All(given.Fits, f => Assert.Equal(LinearForm.OneVsRest, f.Form));
        Assert.Equal(LinearForm.OneVsRest, given.Model.Form);
    }

    [Fact]
    public void An_old_multinomial_run_loads_unchanged()
    {
        // A multinomial model is written exactly as before the form existed (the same magic, no form field) ...
        using var dir = new TempDir();
        var model = Fit(c: 10, form: LinearForm.Multinomial).Model;
        var path = Path.Combine(dir.Path, RunFolder.LinearModelFile);
        model.Save(path);
        using (var reader = new BinaryReader(File.OpenRead(path)))
        {
            Assert.Equal("changwen-linear-1", reader.ReadString());
            Assert.Equal(10.0, reader.ReadDouble());
            Assert.Equal(Classes.Length, reader.ReadInt32());
        }
        var loaded = LinearModel.Load(path);
        Assert.Equal(LinearForm.Multinomial, loaded.Form);
        foreach (var doc in Corpus(5, 78).Tokens)
            Assert.Equal(model.Probabilities(doc), loaded.Probabilities(doc));

        // ... and an options.json without the key reads as "not given" (the model file says multinomial).
        var json = Json.Serialize(new TrainOptions { Model = new ModelOptions { Kind = ModelKind.Linear, C = 10 } });
        var old = string.Join('\n', json.Split('\n').Where(line => !line.Contains("\"linear_form\"")));
        Assert.NotEqual(json, old);
        Assert.Null(Json.Deserialize<TrainOptions>(old).Model.LinearForm);
        Assert.Equal(10, Json.Deserialize<TrainOptions>(old).Model.C);
        var withForm = Json.Serialize(new TrainOptions { Model = new ModelOptions { Kind = ModelKind.Linear, LinearForm = LinearForm.OneVsRest } });
        Assert.Contains("\"linear_form\": \"one-vs-rest\"", withForm);
        Assert.Equal(LinearForm.OneVsRest, Json.Deserialize<TrainOptions>(withForm).Model.LinearForm);
    }
}

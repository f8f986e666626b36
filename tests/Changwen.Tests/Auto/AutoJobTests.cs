using Changwen.Auto;
using Changwen.Bundle;
using Changwen.Runs;
using Changwen.Tests.Pipeline;
using Changwen.Tests.Training;
using Changwen.Tfidf;
using Changwen.Training;

namespace Changwen.Tests.Auto;

[Collection("torch")]
public sealed class AutoJobTests
{
    private static TrainOptions Options() => TinyCorpus.Options() with
    {
        Model = new ModelOptions { Kind = ModelKind.Auto, EmbeddingDim = 16, TimeBudget = 5 },
    };

    /// <summary>Candidates sized for the tiny corpus; fastText crippled (one epoch at a learning rate that cannot move it).</summary>
    private static TrainOptions CrippleFastText(ModelKind kind, TrainOptions o) => kind == ModelKind.Fasttext
        ? o with
        {
            Tokenizer = o.Tokenizer, Encoding = new EncodingOptions { MaxLen = 30 },
            Model = o.Model with { EmbeddingDim = 8 },
            Optimizer = o.Optimizer with { Lr = 1e-9, Epochs = 1, BatchSize = 8 },
        }
        : o;

    [Fact]
    public void Auto_keeps_the_candidate_that_wins_on_validation_and_records_every_candidate()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 20);
        var runDir = Path.Combine(dir.Path, "run");

        var result = AutoJob.Run(data, Options(), runDir, cacheDir: "", progress: null, ct: default,
            candidates: [ModelKind.Linear, ModelKind.Fasttext, ModelKind.Textcnn], adjust: CrippleFastText);

        var record = AutoRecord.Read(runDir);
        // The linear model separates the classes; fastText at learning rate 1e-9 stays at its initial guesses.
        Assert.Equal(["linear"], record.Chosen);
        Assert.Equal("linear", result.Summary.Chosen);
        var linear = record.Candidates.Single(c => c.Name == "linear");
        var fastText = record.Candidates.Single(c => c.Name == "fasttext");
        Assert.Equal("trained", linear.Status);
        Assert.True(linear.ValAccuracy > fastText.ValAccuracy, $"{linear.ValAccuracy} vs {fastText.ValAccuracy}");
        // The average cannot beat a perfect candidate, and it is recorded as tried.
        Assert.Contains(record.Candidates, c => c.Status == "averaged" && c.Name.Split('+').Contains("linear"));
        // TextCNN is estimated from fastText's time; with a budget of 5 minutes on this corpus it fits, so it trains,
        // or it is recorded as skipped with the reason; either way it is in the record, in order.
        Assert.Equal(["linear", "fasttext", "textcnn"], record.Candidates.Where(c => c.Status != "averaged").Select(c => c.Name));

        // The run folder is the chosen model: eval/predict/serve load it and get the linear model's probabilities.
        using var auto = TextClassifier.Load(runDir);
        using var chosen = TextClassifier.Load(AutoJob.CandidateDir(runDir, "linear"));
        var texts = new[] { "球赛队员冠军", "股价银行利率", "芯片网络算法" };
        Assert.Equal(chosen.PredictProbabilities(texts), auto.PredictProbabilities(texts));
        Assert.Equal(ModelKind.Auto, auto.Options.Model.Kind);
        Assert.NotNull(result.TestReport);
        Assert.True(File.Exists(Path.Combine(runDir, RunFolder.TestReportJson)));
        Assert.Contains(Path.Combine(AutoJob.CandidateDir(runDir, "linear"), RunFolder.LinearModelFile), auto.WeightFiles);
    }

    [Fact]
    public void Auto_replaces_the_linear_model_by_a_candidate_that_beats_it_clearly_on_validation()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 40);
        // Every document starts with the same filler, and the linear candidate reads only its first characters
        // (--max-chars 4): all its rows are equal, so it can only guess one class. fastText reads the whole document.
        foreach (var file in Directory.EnumerateFiles(data, "*.txt", SearchOption.AllDirectories))
            File.WriteAllText(file, "的了是在和有" + File.ReadAllText(file));
        var runDir = Path.Combine(dir.Path, "run");

        AutoJob.Run(data, Options(), runDir, cacheDir: "", progress: null, ct: default,
            candidates: [ModelKind.Linear, ModelKind.Fasttext],
            adjust: (kind, o) => kind == ModelKind.Linear ? o with { Model = o.Model with { MaxChars = 4, MinDf = 1 } } : o);

        var record = AutoRecord.Read(runDir);
        var linear = record.Candidates.Single(c => c.Name == "linear");
        var fastText = record.Candidates.Single(c => c.Name == "fasttext");
        Assert.True(fastText.ValAccuracy > linear.ValAccuracy + 0.3, $"{fastText.ValAccuracy} vs {linear.ValAccuracy}");
        Assert.Contains("better beyond noise", fastText.Note);
        Assert.Contains(record.Chosen, n => n == "fasttext");
    }

    [Fact]
    public void A_challenger_one_document_better_on_validation_does_not_replace_the_incumbent()
    {
        // 300 validation documents, 3 classes; the incumbent is right on 280, the challenger on the same 280 and one more.
        var labels = Enumerable.Range(0, 300).Select(i => i % 3).ToList();
        float[][] Table(Func<int, bool> right) => labels.Select((y, i) =>
        {
            var p = new float[3];
            p[right(i) ? y : (y + 1) % 3] = 1;
            return p;
        }).ToArray();
        var incumbent = new AutoOption(["linear"], Table(i => i < 280));
        var slightly = new AutoOption(["fasttext"], Table(i => i < 281));
        var (kept, comparisons) = AutoChoice.Choose(incumbent, [slightly], labels);
        Assert.Same(incumbent, kept);
        Assert.Equal((1, 0), (comparisons[0].Gains, comparisons[0].Losses));
        Assert.Equal(0.5, comparisons[0].P, 12);

        // Right on 290 (10 more, none fewer): p = 2⁻¹⁰, beyond noise; the better of two passing challengers wins.
        var clearly = new AutoOption(["textcnn"], Table(i => i < 290));
        var best = new AutoOption(["linear", "textcnn"], Table(i => i < 295));
        (kept, comparisons) = AutoChoice.Choose(incumbent, [slightly, clearly, best], labels);
        Assert.Same(best, kept);
        Assert.Equal(Math.Pow(2, -10), comparisons[1].P, 12);
    }

    [Fact]
    public void McNemars_exact_p_value_is_the_binomial_tail()
    {
        Assert.Equal(1.0, AutoChoice.McNemarP(0, 0));
        Assert.Equal(1.0, AutoChoice.McNemarP(0, 5), 12);
        // 8 gains, 2 losses: P(X ≥ 8 | n = 10) = (45 + 10 + 1) / 1024.
        Assert.Equal(56.0 / 1024, AutoChoice.McNemarP(8, 2), 12);
        Assert.True(AutoChoice.McNemarP(60, 40) is > 0.01 and < 0.05);
        Assert.True(AutoChoice.McNemarP(2000, 1800) < 1e-3);
    }

    [Fact]
    public void A_zero_time_budget_is_refused()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"), perClass: 4);
        var options = Options() with { Model = Options().Model with { TimeBudget = 0 } };
        var e = Assert.Throws<UserInputException>(() => AutoJob.Run(data, options, Path.Combine(dir.Path, "run"), "", null, default));
        Assert.Contains("--time-budget", e.Message);
    }

    [Fact]
    public void The_average_of_two_probability_tables_is_their_mean()
    {
        float[][] a = [[0.9f, 0.1f], [0.2f, 0.8f]];
        float[][] b = [[0.5f, 0.5f], [0.6f, 0.4f]];
        var mean = AverageScorer.Average([a, b], 2);
        Assert.Equal([0.7f, 0.3f], mean[0]);
        Assert.Equal(0.4f, mean[1][0], 6);
        Assert.Equal(0.6f, mean[1][1], 6);
    }
}

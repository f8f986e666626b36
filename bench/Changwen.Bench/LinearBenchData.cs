using System.Diagnostics;
using Changwen.Data;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Tfidf;

namespace Changwen.Bench;

/// <summary>
/// The TF-IDF rows and labels of a real corpus's three splits, as the linear model's fit sees them: the linear-fit and
/// linear-dual benches both measure on these. RUN_DIR gives the split and tokenizer of a finished run ("-": the
/// defaults); the segmentation comes from CHANGWEN_CACHE.
/// </summary>
internal sealed record LinearBenchData(
    TfidfVectorizer Vectorizer, IReadOnlyList<string> Classes,
    SparseRow[] TrainRows, List<int> TrainLabels, SparseRow[] ValRows, List<int> ValLabels, SparseRow[] TestRows, List<int> TestLabels,
    double FeatureSeconds)
{
    /// <summary>Reads and featurises DATA, printing the split sizes and the reading time.</summary>
    public static LinearBenchData Load(string dataPath, string runDir)
    {
        var clock = Stopwatch.StartNew();
        var options = runDir == "-" ? new TrainOptions() : RunFolder.ReadOptions(runDir);
        var plain = Corpus.Open(dataPath, options.Corpus);
        var splits = runDir == "-" ? "" : Path.Combine(runDir, RunFolder.SplitsFile);
        var corpus = !plain.HasOwnSplits && File.Exists(splits) ? Corpus.Open(dataPath, options.Corpus, splits) : plain;
        var tokenized = Segmentation.Run(corpus.Read, corpus.Classes, plain.Fingerprint(), options.Tokenizer,
            Environment.GetEnvironmentVariable("CHANGWEN_CACHE"), null, CancellationToken.None);
        var (train, val) = tokenized.Val.Count > 0
            ? (tokenized.Train, tokenized.Val)
            : TrainingJob.CarveValidation(tokenized.Train, options.Corpus.SplitSeed, TrainingJob.CarvedValFraction);
        var classIndex = tokenized.Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        Console.WriteLine($"read {train.Count:N0} / {val.Count:N0} / {tokenized.Test.Count:N0} documents in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        var model = new ModelOptions { Kind = ModelKind.Linear };
        static List<IReadOnlyList<string>> Tokens(IEnumerable<TokenizedDocument> docs) => docs.Select(d => (IReadOnlyList<string>)d.Tokens).ToList();
        var vectorizer = TfidfVectorizer.Fit(Tokens(train), model.WordNgrams, model.MinDf, model.MaxChars);
        SparseRow[] Rows(IEnumerable<TokenizedDocument> docs) => LinearTrainer.Transform(vectorizer, Tokens(docs));
        List<int> Labels(IEnumerable<TokenizedDocument> docs) => docs.Select(d => classIndex[d.Label]).ToList();
        return new LinearBenchData(vectorizer, tokenized.Classes,
            Rows(train), Labels(train), Rows(val), Labels(val), Rows(tokenized.Test), Labels(tokenized.Test), clock.Elapsed.TotalSeconds);
    }

    /// <summary>The value after <paramref name="name"/> in a bench command's arguments, or null.</summary>
    public static string? Flag(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}

using System.Diagnostics;
using Changwen;
using Changwen.Data;
using Changwen.Models;
using Changwen.Training;

/// <summary>
/// Sanity check of the long-document fix, not a test: THUCNews, jieba words, 500 words head-kept and post-padded (as in
/// the original post), a small LSTM trained a few epochs with each pooling on the same data and seed. With
/// <c>last</c> the loss should stay near ln C; with <c>true-last</c> it should fall.
/// Usage: <c>pooling [corpus-folder] [epochs] [pool ...]</c>. The tokenizer here is a stand-in for the Text stage
/// (plain jieba, no stop words; vocabulary of the 20,000 most frequent training words).
/// </summary>
internal static class PoolingSanity
{
    public static int Run(string[] args)
    {
        var corpusPath = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "data", "thucnews");
        var epochs = args.Length > 1 ? int.Parse(args[1]) : 4;
        var pools = args.Length > 2 ? args[2..].Select(Enum.Parse<PoolKind>).ToArray() : [PoolKind.Last, PoolKind.TrueLast];

        JiebaNet.Segmenter.ConfigManager.ConfigFileBaseDir = Path.Combine(AppContext.BaseDirectory, "Resources");
        var segmenter = new JiebaNet.Segmenter.JiebaSegmenter();
        var clock = Stopwatch.StartNew();
        var corpus = Corpus.Open(corpusPath, new CorpusOptions());
        var classes = corpus.Classes.ToList();
        List<(string[] Words, int Label)> Read(Split split) =>
            corpus.Read(split).Select(d => (segmenter.Cut(d.Text).Where(w => !string.IsNullOrWhiteSpace(w)).ToArray(), classes.IndexOf(d.Label))).ToList();
        var train = Read(Split.Train);
        var val = Read(Split.Val);
        var vocab = train.SelectMany(d => d.Words).GroupBy(w => w, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(20_000 - 2).Select((g, i) => (g.Key, Id: i + 2)).ToDictionary(x => x.Key, x => x.Id, StringComparer.Ordinal);
        const int maxLen = 500;
        EncodedDataset Encode(List<(string[] Words, int Label)> docs)
        {
            var ids = new int[docs.Count * maxLen];
            var lengths = new int[docs.Count];
            for (var d = 0; d < docs.Count; d++)
            {
                lengths[d] = Math.Min(maxLen, docs[d].Words.Length);
                for (var t = 0; t < lengths[d]; t++) ids[d * maxLen + t] = vocab.GetValueOrDefault(docs[d].Words[t], 1);
            }
            return new EncodedDataset(maxLen, ids, lengths, docs.Select(x => x.Label).ToArray());
        }
        var trainSet = Encode(train);
        var valSet = Encode(val);
        var padded = trainSet.Lengths.Count(l => l < maxLen);
        Console.WriteLine($"{corpusPath}: {classes.Count} classes, train {trainSet.Count} (post-padded: {padded}, median length {trainSet.Lengths.Order().ElementAt(trainSet.Count / 2)}), " +
                          $"val {valSet.Count}, vocab {vocab.Count + 2}, ln C = {Math.Log(classes.Count):F3}; prepared in {clock.Elapsed.TotalSeconds:F0} s");

        foreach (var pool in pools)
        {
            var options = new TrainOptions
            {
                Model = new ModelOptions { Kind = ModelKind.Lstm, EmbeddingDim = 64, HiddenDim = 64, Pool = pool },
                Optimizer = new OptimizerOptions { Epochs = epochs, Lr = 0.001, BatchSize = 64, Seed = 42, Threads = 2 },
            };
            var runDir = Path.Combine(Path.GetTempPath(), $"changwen-pooling-{pool}-{Environment.ProcessId}");
            using var model = ModelFactory.Create(options.Model, vocab.Count + 2, classes.Count, options.Optimizer.Seed);
            var summary = Trainer.Train(model, trainSet, valSet, options, runDir,
                progress: new PrintEpochs(pool.ToString()));
            Console.WriteLine($"{pool}: best val accuracy {summary.BestValAccuracy:P1}, final train loss {summary.FinalTrainLoss:F3}, {summary.SecondsPerEpoch:F0} s/epoch");
            Directory.Delete(runDir, recursive: true);
        }
        return 0;
    }
}

internal sealed class PrintEpochs(string name) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate u)
    {
        if (u.Message is not null) Console.WriteLine($"  {name}: {u.Message}");
    }
}

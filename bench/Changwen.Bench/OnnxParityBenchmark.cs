using System.Diagnostics;
using System.Globalization;
using Changwen.Bundle;
using Changwen.Data;
using Changwen.Export;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Training;

namespace Changwen.Bench;

/// <summary>
/// <c>onnx-parity RUN_DIR EXPORT_DIR CORPUS [--docs N] [--threads K] [--speed-docs M]</c> (issue 24): libtorch against
/// ONNX Runtime on real documents. Reads N documents of CORPUS (the run's test split first, then val, then train, as
/// the run's splits.tsv recorded them), tokenizes and encodes them exactly as the run does, scores the same encoded
/// rows with the run's best.pt through <see cref="Predictor"/> and with the export through <see cref="OnnxScorer"/>,
/// and prints the largest |Δprob|, the argmax disagreements, and forward-pass documents/s at batch 1 (first M
/// documents) and batch 64 (all), both runtimes on K threads (default 1). Tokenizing is outside the timings.
/// </summary>
public static class OnnxParityBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: onnx-parity RUN_DIR EXPORT_DIR CORPUS [--docs N] [--threads K] [--speed-docs M]");
            return 2;
        }
        var (runDir, exportDir, corpusPath) = (args[0], args[1], args[2]);
        int docs = 1000, threads = 1, speedDocs = 200;
        for (var i = 3; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--docs": docs = value; break;
                case "--threads": threads = value; break;
                case "--speed-docs": speedDocs = value; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        var options = RunFolder.ReadOptions(runDir);
        var labels = RunFolder.ReadLabels(runDir);
        var vocabulary = Vocabulary.Load(Path.Combine(runDir, RunFolder.VocabularyFile));
        var tokenizer = Tokenizers.Create(options.Tokenizer with
        {
            UserDictionary = Resolve(runDir, options.Tokenizer.UserDictionary),
            StopWords = Resolve(runDir, options.Tokenizer.StopWords),
        });
        var splits = Path.Combine(runDir, RunFolder.SplitsFile);
        var corpus = Corpus.Open(corpusPath, options.Corpus, File.Exists(splits) ? splits : null);
        var documents = new[] { Split.Test, Split.Val, Split.Train }.SelectMany(corpus.Read).Take(docs).ToArray();
        var tokens = new IReadOnlyList<string>[documents.Length];
        Parallel.For(0, documents.Length, i => tokens[i] = tokenizer.Tokenize(documents[i].Text));
        var encoder = new SequenceEncoder(vocabulary, options.Encoding);
        var data = encoder.EncodeAll(documents.Select((d, i) => new TokenizedDocument(d.Label, [.. tokens[i]], d.Text.Length, d.Source)).ToList(),
            label => labels.ToList().IndexOf(label));

        TorchRuntime.SetThreads(threads);
        TorchRuntime.FlushDenormals();
        using var model = ModelFactory.Load(Path.Combine(runDir, RunFolder.BestWeights), options.Model, vocabulary.Count, labels.Count);
        model.eval();
        using var scorer = OnnxScorer.Load(exportDir, threads);

        var torchProbabilities = Predictor.PredictProbabilities(model, data, 64);
        var onnxProbabilities = OnnxBatches(scorer, data, 64, data.Count);
        var worst = 0.0;
        var disagreements = 0;
        for (var r = 0; r < data.Count; r++)
        {
            for (var c = 0; c < labels.Count; c++) worst = Math.Max(worst, Math.Abs(torchProbabilities[r][c] - onnxProbabilities[r][c]));
            if (ArgMax(torchProbabilities[r]) != ArgMax(onnxProbabilities[r])) disagreements++;
        }

        var speed = Math.Min(speedDocs, data.Count);
        double Rate(Action score, int count)
        {
            var clock = Stopwatch.StartNew();
            score();
            return count / clock.Elapsed.TotalSeconds;
        }
        var subset = Subset(data, speed);
        Predictor.PredictProbabilities(model, Subset(data, 64), 64);           // warm up both
        OnnxBatches(scorer, Subset(data, 64), 64, 64);
        var torchB1 = Rate(() => Predictor.PredictProbabilities(model, subset, 1), speed);
        var onnxB1 = Rate(() => OnnxBatches(scorer, subset, 1, speed), speed);
        var torchB64 = Rate(() => Predictor.PredictProbabilities(model, data, 64), data.Count);
        var onnxB64 = Rate(() => OnnxBatches(scorer, data, 64, data.Count), data.Count);

        Console.WriteLine($"| model | docs | max len | max abs dprob | argmax differ | libtorch b1 docs/s | onnx b1 docs/s | libtorch b64 docs/s | onnx b64 docs/s | threads |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {options.Model.Kind.ToString().ToLowerInvariant()} | {data.Count} | {data.MaxLen} | {worst:E2} | {disagreements} | {torchB1:F1} | {onnxB1:F1} | {torchB64:F1} | {onnxB64:F1} | {threads} |"));
        return worst <= 1e-4 && disagreements == 0 ? 0 : 1;
    }

    private static float[][] OnnxBatches(OnnxScorer scorer, EncodedDataset data, int batchSize, int count)
    {
        var result = new float[count][];
        for (var start = 0; start < count; start += batchSize)
        {
            var rows = Math.Min(batchSize, count - start);
            var ids = new long[rows * data.MaxLen];
            var lengths = new long[rows];
            for (var r = 0; r < rows; r++)
            {
                var row = data.Row(start + r);
                for (var t = 0; t < row.Length; t++) ids[r * data.MaxLen + t] = row[t];
                lengths[r] = data.Lengths[start + r];
            }
            scorer.Score(ids, lengths, rows, data.MaxLen).CopyTo(result, start);
        }
        return result;
    }

    private static EncodedDataset Subset(EncodedDataset data, int count) =>
        new(data.MaxLen, data.Ids[..(count * data.MaxLen)], data.Lengths[..count], data.Labels[..count]);

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());

    private static string? Resolve(string dir, string? path) =>
        path is null || Path.IsPathRooted(path) ? path : Path.Combine(dir, path);
}

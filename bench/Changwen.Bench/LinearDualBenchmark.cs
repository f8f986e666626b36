using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Changwen.Data;
using Changwen.Evaluation;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Tfidf;

namespace Changwen.Bench;

/// <summary>
/// <c>linear-dual DATA RUN_DIR|- [--c 1,10,100] [--tol 1e-4] [--threads N] [--export DIR]</c>: the one-vs-rest linear
/// model fitted by <see cref="DualCoordinateDescent"/> on a real corpus, C after C (each from the previous optimum as
/// the trainer does). Prints per C: seconds, epochs, liblinear's primal objective, validation and test accuracy. With
/// <c>--export DIR</c> (under /tmp, never the repository) it also writes the TF-IDF rows and labels of the three splits
/// as svmlight files and Changwen's per-C results with its test predictions (changwen.json), for
/// bench/baseline/liblinear_compare.py to fit scikit-learn's liblinear on exactly these features.
/// </summary>
/// <remarks>RUN_DIR gives the split and tokenizer of a finished run (as linear-fit); "-" uses the defaults.</remarks>
internal static class LinearDualBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: linear-dual DATA RUN_DIR|- [--c 1,10,100] [--tol 1e-4] [--threads N] [--export DIR]");
            return 2;
        }
        var (dataPath, runDir) = (args[0], args[1]);
        var grid = Flag(args, "--c")?.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList() ?? LinearTrainer.CGrid.ToList();
        var threads = int.Parse(Flag(args, "--threads") ?? "0");
        var tolerance = double.Parse(Flag(args, "--tol") ?? LinearTrainer.DualTolerance.ToString("R"), CultureInfo.InvariantCulture);
        var export = Flag(args, "--export");

        var data = LinearBenchData.Load(dataPath, runDir);
        var (vectorizer, trainRows, valRows, testRows) = (data.Vectorizer, data.TrainRows, data.ValRows, data.TestRows);
        var (labels, valLabels, testLabels) = (data.TrainLabels, data.ValLabels, data.TestLabels);
        Console.WriteLine($"{vectorizer.FeatureCount:N0} features, {trainRows.Sum(r => (long)r.Indices.Length):N0} nonzeros; features in {data.FeatureSeconds:F1} s");
        if (export is not null)
        {
            Directory.CreateDirectory(export);
            WriteSvmlight(Path.Combine(export, "train.svm"), trainRows, labels);
            WriteSvmlight(Path.Combine(export, "val.svm"), valRows, valLabels);
            WriteSvmlight(Path.Combine(export, "test.svm"), testRows, testLabels);
        }

        var solver = new DualCoordinateDescent(trainRows, labels, vectorizer.FeatureCount, data.Classes.Count, seed: 1, threads) { Tolerance = tolerance };
        var results = new List<object>();
        foreach (var c in grid)
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var fits = solver.Fit(c);
            var seconds = watch.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
            var (weights, biases) = solver.Model();
            var fitted = new LinearModel(vectorizer, weights, biases, c, LinearForm.OneVsRest);
            var valPredicted = Predict(fitted, valRows);
            var testPredicted = Predict(fitted, testRows);
            var valAccuracy = valPredicted.Zip(valLabels).Average(p => p.First == p.Second ? 1.0 : 0);
            var testAccuracy = testPredicted.Zip(testLabels).Average(p => p.First == p.Second ? 1.0 : 0);
            var objective = fits.Sum(f => f.Objective);
            Console.WriteLine($"dual CD C={c:G} tol={tolerance:G}: {seconds:F1} s wall, {cpu:F1} s CPU, epochs {fits.Min(f => f.Epochs)}–{fits.Max(f => f.Epochs)} " +
                              $"({fits.Count(f => !f.Converged)} classes at the cap), primal objective {objective:F4}, val {valAccuracy:P2}, test {testAccuracy:P2}");
            results.Add(new { c, seconds, cpu, objective, class_objectives = fits.Select(f => f.Objective), epochs = fits.Select(f => f.Epochs),
                              val_accuracy = valAccuracy, test_accuracy = testAccuracy, test_predictions = testPredicted });
        }
        if (export is not null)
            File.WriteAllText(Path.Combine(export, "changwen.json"), JsonSerializer.Serialize(new { tolerance, classes = data.Classes, fits = results }));
        return 0;
    }

    private static int[] Predict(LinearModel model, IReadOnlyList<SparseRow> rows)
    {
        var predicted = new int[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            var p = model.Probabilities(rows[i]);
            predicted[i] = Array.IndexOf(p, p.Max());
        });
        return predicted;
    }

    /// <summary>label index:value ... with 0-based feature indices, values as the float they are ("R").</summary>
    private static void WriteSvmlight(string path, IReadOnlyList<SparseRow> rows, IReadOnlyList<int> labels)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var line = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            line.Clear().Append(labels[i]);
            for (var j = 0; j < rows[i].Indices.Length; j++)
                line.Append(' ').Append(rows[i].Indices[j]).Append(':').Append(rows[i].Values[j].ToString("R", CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
    }

    private static string? Flag(string[] args, string name) => LinearBenchData.Flag(args, name);
}

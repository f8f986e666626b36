using System.Diagnostics;
using Changwen.Bundle;
using Changwen.Data;
using Changwen.Evaluation;
using Changwen.Text;
using Changwen.Tfidf;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Bench;

/// <summary>
/// <c>linear-fit DATA RUN_DIR [--c 1,10,100] [--mathnet] [--threads N] [--tol 1e-4] [--memory 5] [--mathnet-tol T]</c>: the linear model's fit on a real corpus,
/// by Changwen's float L-BFGS (<see cref="Lbfgs"/>) and, with <c>--mathnet</c>, by Math.NET Numerics' L-BFGS on the same
/// objective, from the same start, C after C (each from the previous optimum). Prints per C: iterations, seconds, the
/// objective, the largest gradient component, validation and test accuracy. The check that the hand-written optimiser
/// reaches the library's optimum on real data (docs/training.md, "The linear model").
/// </summary>
/// <remarks>
/// RUN_DIR is any finished <c>changwen train</c> run of DATA: its options.json and splits.tsv give exactly the split
/// (and tokenizer) of that run, and the segmentation comes from CHANGWEN_CACHE.
/// </remarks>
internal static class LinearFitBenchmark
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: linear-fit DATA RUN_DIR [--c 1,10,100] [--mathnet] [--threads N] [--tol 1e-4] [--memory 5] [--mathnet-tol T]");
            return 2;
        }
        var (dataPath, runDir) = (args[0], args[1]);
        var grid = Flag(args, "--c")?.Split(',').Select(double.Parse).ToList() ?? LinearTrainer.CGrid.ToList();
        var threads = int.Parse(Flag(args, "--threads") ?? "0");
        var withMathNet = args.Contains("--mathnet");
        var tolerance = double.Parse(Flag(args, "--tol") ?? LinearTrainer.GradientTolerance.ToString("R"));
        var memory = int.Parse(Flag(args, "--memory") ?? "5");
        // Math.NET's own test (its gradient norm) at its own tolerance: pass a tight one to get the reference optimum.
        var mathNetTolerance = double.Parse(Flag(args, "--mathnet-tol") ?? tolerance.ToString("R"));

        var data = LinearBenchData.Load(dataPath, runDir);
        var (vectorizer, trainRows, valRows, testRows) = (data.Vectorizer, data.TrainRows, data.ValRows, data.TestRows);
        var (labels, valLabels, testLabels) = (data.TrainLabels, data.ValLabels, data.TestLabels);
        var objective = new SoftmaxObjective(trainRows, labels, vectorizer.FeatureCount, data.Classes.Count, threads);
        Console.WriteLine($"{vectorizer.FeatureCount:N0} features, {trainRows.Sum(r => (long)r.Indices.Length):N0} nonzeros, " +
                          $"{objective.ParameterCount:N0} weights; features in {data.FeatureSeconds:F1} s");

        var timing = new float[objective.ParameterCount];
        var clock = Stopwatch.StartNew();
        const int timed = 5;
        for (var i = 0; i < timed; i++) objective.Evaluate(timing, new float[timing.Length]);
        Console.WriteLine($"one evaluation (value and gradient): {clock.Elapsed.TotalSeconds / timed:F3} s");

        Fit("changwen L-BFGS (float, in place)", theta =>
        {
            var end = LinearTrainer.Minimise(objective, theta, threads, tolerance: tolerance, memory: memory);
            return (end.Iterations, $"{end.Evaluations} evaluations, {end.FunctionSeconds:F1} s of them in the objective, {end.Stop}");
        });
        if (withMathNet) Fit("Math.NET L-BFGS (double)", theta => MathNetMinimise(objective, theta, mathNetTolerance));
        return 0;

        void Fit(string name, Func<float[], (int Iterations, string Stop)> minimise)
        {
            var theta = new float[objective.ParameterCount];
            foreach (var c in grid)
            {
                objective.C = c;
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                var (iterations, stop) = minimise(theta);
                var seconds = watch.Elapsed.TotalSeconds;
                var cpu = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
                var gradient = new float[theta.Length];
                var value = objective.Evaluate(theta, gradient);
                var (weights, biases) = objective.Unpack(theta);
                var fitted = new LinearModel(vectorizer, weights, biases, c);
                var valAccuracy = Accuracy(fitted, valRows, valLabels);
                var testAccuracy = Accuracy(fitted, testRows, testLabels);
                Console.WriteLine($"{name} C={c:G}: {iterations} iterations, {seconds:F1} s wall, {cpu:F1} s CPU, objective {value:F7}, " +
                                  $"max |gradient| {gradient.Max(Math.Abs):E2}, val {valAccuracy:P2}, test {testAccuracy:P2} ({stop}); " +
                                  $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20):N0} MB");
            }
        }
    }

    /// <summary>
    /// Math.NET Numerics' L-BFGS (5 pairs, weak-Wolfe line search) on the same objective, stopping on its own gradient
    /// test at <paramref name="tolerance"/>: the reference optimiser.
    /// </summary>
    private static (int Iterations, string Stop) MathNetMinimise(SoftmaxObjective objective, float[] theta, double tolerance)
    {
        var start = MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray(theta.Select(v => (double)v).ToArray());
        var point = new float[theta.Length];
        var gradient = new float[theta.Length];
        var function = MathNet.Numerics.Optimization.ObjectiveFunction.Gradient(x =>
        {
            // Math.NET allocates a parameter-sized vector per operation; collecting each time keeps memory bounded.
            GC.Collect();
            var values = ((MathNet.Numerics.LinearAlgebra.Double.DenseVector)x).Values;
            for (var i = 0; i < point.Length; i++) point[i] = (float)values[i];
            var value = objective.Evaluate(point, gradient);
            return (value, MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray(gradient.Select(g => (double)g).ToArray()));
        });
        var minimizer = new MathNet.Numerics.Optimization.LimitedMemoryBfgsMinimizer(tolerance, 1e-10, 1e-10, 5, 2000);
        var result = minimizer.FindMinimum(function, start);
        var minimum = ((MathNet.Numerics.LinearAlgebra.Double.DenseVector)result.MinimizingPoint).Values;
        for (var i = 0; i < theta.Length; i++) theta[i] = (float)minimum[i];
        return (result.Iterations, result.ReasonForExit.ToString());
    }

    private static double Accuracy(LinearModel model, IReadOnlyList<SparseRow> rows, IReadOnlyList<int> labels) =>
        Scores.AccuracyAndLoss(rows.Select(model.Probabilities).ToList(), labels).Accuracy;

    private static string? Flag(string[] args, string name) => LinearBenchData.Flag(args, name);
}

using System.CommandLine;
using Changwen.Bundle;

namespace Changwen.Cli;

/// <summary>
/// <c>--runtime libtorch|onnx</c> for the commands that only run a model (eval, predict, serve): libtorch loads a run folder;
/// onnx loads a folder written by <c>changwen export --format onnx</c> and scores through ONNX Runtime, without
/// loading libtorch in the process.
/// </summary>
public static class ModelRuntime
{
    public static Option<string> Option() => new("--runtime")
    {
        Description = "libtorch (MODEL is a run folder) or onnx (MODEL is a folder written by `changwen export --format onnx`).",
        DefaultValueFactory = _ => "libtorch",
    };

    public enum Kind { Libtorch, Onnx }

    /// <summary>The runtime named by <c>--runtime</c>; an unknown name is one line.</summary>
    public static Kind Parse(string? runtime) => runtime?.ToLowerInvariant() switch
    {
        "libtorch" or null => Kind.Libtorch,
        "onnx" => Kind.Onnx,
        _ => throw new UserInputException($"--runtime {runtime} is not known. Use --runtime libtorch or --runtime onnx"),
    };

    /// <summary>Loads MODEL for the runtime asked for, on <paramref name="threads"/> threads (0 = every core).</summary>
    public static TextClassifier Load(string model, string? runtime, int threads)
    {
        if (Parse(runtime) == Kind.Onnx) return TextClassifier.LoadOnnx(model, threads);
        Changwen.Models.TorchRuntime.SetThreads(threads);
        return TextClassifier.Load(model);
    }
}

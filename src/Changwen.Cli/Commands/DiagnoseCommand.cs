using System.CommandLine;
using System.CommandLine.Parsing;
using Changwen.Bundle;
using Changwen.Diagnosis;
using Changwen.IO;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Cli.Commands;

/// <summary>
/// <c>changwen diagnose DATA [train flags]</c>: the checks made before training, without training.
/// <c>changwen diagnose RUN_DIR</c>: what went wrong in a run, from what its folder recorded.
/// </summary>
public static class DiagnoseCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path")
        {
            Description = "A corpus (checked as `train` would read it with the flags given) or a run folder (one holding " +
                          "options.json and metrics.jsonl: explained from its records; the flags are then ignored).",
        };
        var json = new Option<bool>("--json") { Description = "Print the findings as one JSON array of {code, severity, message, evidence, epoch, step}." };
        var cache = CliOptions.CacheOption();
        var cli = new CliOptions();
        var command = new Command("diagnose",
            "Find what would stall or mislead training: check a corpus with the train flags before training, or explain a finished run.");
        command.Arguments.Add(path);
        command.Options.Add(json);
        command.Options.Add(cache);
        cli.AddTrainingTo(command);

        command.SetAction((ParseResult r, CancellationToken ct) => MainThreadWork.Run(() =>
        {
            var target = r.GetValue(path)!;
            var output = r.InvocationConfiguration.Output;
            var asJson = r.GetValue(json);
            IReadOnlyList<Finding> findings;
            string heading;
            if (IsRunFolder(target))
            {
                if (GivenFlags(r).Except([json.Name, cache.Name]).Any())
                    r.InvocationConfiguration.Error.WriteLine($"changwen: {target} is a run folder: its options.json is used, the train flags are ignored");
                findings = RunDiagnosis.Explain(target);
                heading = $"Diagnosis of the run {Path.GetFullPath(target)}";
            }
            else
            {
                if (File.Exists(Path.Combine(target, RunFolder.OptionsFile)))
                    throw UserInputException.At(Path.Combine(target, RunFolder.MetricsFile), null,
                        "missing: this run folder has not trained yet. Pass the corpus to check it before training, or train the run first");
                var options = cli.Bind(r);
                var progressTo = asJson ? r.InvocationConfiguration.Error : output; // keep stdout pure JSON
                try
                {
                    findings = ConsoleProgress.Run(progressTo, progress => TrainingJob.CheckData(target, options, r.GetValue(cache), progress, ct));
                }
                catch (OperationCanceledException)
                {
                    r.InvocationConfiguration.Error.WriteLine("changwen: stopped");
                    return 130; // the shell's code for "ended by Ctrl+C"
                }
                heading = $"Diagnosis of {Path.GetFullPath(target)} before training";
            }
            if (asJson) output.WriteLine(Json.Serialize(findings));
            else
            {
                output.WriteLine();
                PrintFindings(output, findings, heading);
            }
            return 0;
        }));
        return command;
    }

    /// <summary>A folder a training run has written to: it holds options.json and metrics.jsonl.</summary>
    public static bool IsRunFolder(string path) => RunFolder.IsRun(path);

    /// <summary>"Diagnosis" and one line per finding ("warning [code] message"), or "no problems found".</summary>
    public static void PrintFindings(TextWriter o, IReadOnlyList<Finding> findings, string heading = "Diagnosis")
    {
        if (findings.Count == 0)
        {
            o.WriteLine($"{heading}: no problems found");
            return;
        }
        o.WriteLine($"{heading}:");
        foreach (var finding in findings) o.WriteLine($"  {finding.Describe()}");
    }

    private static IEnumerable<string> GivenFlags(ParseResult r) =>
        r.CommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit).Select(o => o.Option.Name);
}

using System.CommandLine;
using Changwen.Jobs;
using Changwen.Models;
using Changwen.Pipeline;
using Changwen.Training;
using Changwen;

namespace Changwen.Cli.Commands;

/// <summary><c>changwen train DATA --out RUN_DIR</c>: from corpus files to a trained, evaluated run folder.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Corpus folder or file." };
        var output = new Option<string>("--out", "-o") { Description = "Run folder to create (or to continue with --resume).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out where it stopped; its saved options.json wins over the flags, except --epochs, which continues even a finished run to that many epochs in all." };
        var cache = CliOptions.CacheOption();
        var noWatch = new Option<bool>("--no-watch")
        {
            Description = "Don't print the training watcher's warnings (plateau, collapse, vanishing or exploding gradients, learning rate, " +
                          "overfitting) as they appear. The watcher still runs: its findings go to RUN_DIR/diagnosis.json and the closing " +
                          "Diagnosis list, and the checks before training are printed as usual.",
        };
        var cli = new CliOptions();

        var command = new Command("train", "Train a classifier: segment, train (by default the best of several models on the validation split), report on the test split.");
        command.Arguments.Add(data);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(cache);
        command.Options.Add(noWatch);
        cli.AddTrainingTo(command);

        // The work is queued for the main thread (MainThreadWork: glibc keeps large tensor memory only there) so the action
        // returns a task at once: System.CommandLine installs its Ctrl+C handler (which cancels ct) only then; a
        // synchronous action would be killed by the first Ctrl+C.
        command.SetAction((ParseResult r, CancellationToken ct) => MainThreadWork.Run(() =>
        {
            var options = cli.Bind(r, defaultKind: ModelKind.Auto);
            var dataPath = r.GetValue(data)!;
            var runDir = r.GetValue(output)!;
            var stdout = r.InvocationConfiguration.Output;
            TrainingJobResult result;
            try
            {
                result = ConsoleProgress.Run(stdout, progress =>
                    TrainJob.Run(dataPath, options, runDir, r.GetValue(resume), r.GetValue(cache), progress, ct,
                        reportWatcherFindings: !r.GetValue(noWatch),
                        // The one flag a resume takes: train to this many epochs in all.
                        resumeEpochs: r.GetValue(resume) && r.GetResult(cli.Epochs) is { Implicit: false } ? r.GetValue(cli.Epochs) : null,

                        // auto: each candidate starts from its own defaults, and the flags typed apply to it too
                        candidateOptions: kind => cli.Bind(r, ModelDefaults.For(kind))));
            }
            catch (OperationCanceledException)
            {
                r.InvocationConfiguration.Error.WriteLine(
                    $"changwen: stopped; the finished epochs are kept. Continue with: changwen train {Quote(dataPath)} --out {Quote(runDir)} --resume");
                return 130; // the shell's code for "ended by Ctrl+C"
            }
            PrintSummary(stdout, result);
            return 0;
        }));
        return command;
    }

    private static void PrintSummary(TextWriter o, TrainingJobResult result)
    {
        var s = result.Summary;
        var carved = result.ValCarvedFromTrain ? $" (validation held out from train: {TrainingJob.CarvedValFraction:P0})" : "";
        o.WriteLine();
        if (s.Candidates is { } candidates)
        {
            o.WriteLine($"auto chose {s.Chosen}: val accuracy {s.BestValAccuracy:P2}{carved}");
            foreach (var c in candidates) o.WriteLine("  " + EvalCommand.Describe(c));
        }
        else if (s.C is { } c)
            o.WriteLine($"val accuracy {s.BestValAccuracy:P2} with C={c:G}, {Tfidf.LinearTrainer.FormName(s.LinearForm ?? LinearForm.Multinomial)} ({s.Features:N0} features){carved}");
        else
            o.WriteLine($"best val accuracy {s.BestValAccuracy:P2} at epoch {s.BestEpoch} of {s.EpochsRun}" +
                        (s.StoppedEarly ? " (stopped early: patience ran out)" : "") + carved);
        if (result.TestReport is { } report)
        {
            o.WriteLine($"test accuracy {report.Accuracy:P2}, macro F1 {report.MacroAverage.F1:F4} ({report.Total:N0} documents)");
            o.WriteLine();
            o.WriteLine(report.ToText());
        }
        else o.WriteLine("no test documents: no test report");
        o.WriteLine($"run folder {result.RunDir}:");
        foreach (var file in result.Files) o.WriteLine($"  {Path.GetFileName(file)}");
        o.WriteLine();
        DiagnoseCommand.PrintFindings(o, result.Findings);
    }

    private static string Quote(string path) => path.Contains(' ') || path.Contains('\'') ? $"\"{path}\"" : path;
}

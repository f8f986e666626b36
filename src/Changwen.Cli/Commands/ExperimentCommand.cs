using System.CommandLine;
using Changwen.Experiments;
using Changwen.Models;

namespace Changwen.Cli.Commands;

/// <summary>
/// <c>changwen experiment PLAN DATA --out DIR</c>: trains every run of a plan (a file, or a built-in plan such as
/// <c>seed</c>) into DIR/runs/NAME and writes DIR/report.md and DIR/report.html after each run.
/// </summary>
public static class ExperimentCommand
{
    public static Command Create()
    {
        var plan = new Argument<string?>("plan") { Description = $"Plan file (YAML or JSON) or a built-in plan: {string.Join(", ", ExperimentPlan.BuiltInNames)}.", Arity = ArgumentArity.ZeroOrOne };
        var data = new Argument<string?>("data") { Description = "Corpus folder or file every run trains on.", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--out", "-o") { Description = "Experiment folder: runs/NAME per run, report.md, report.html, loss.png, val-accuracy.png." };
        var resume = new Option<bool>("--resume") { Description = "Continue the experiment in --out: skip finished runs, resume the unfinished one, start the rest." };
        var only = new Option<string[]>("--only") { Description = "Train only these runs (names; * matches any text, e.g. 'lstm-500-lr-*'). The report still lists every run.", AllowMultipleArgumentsPerToken = true };
        var cache = CliOptions.CacheOption();
        // Machine settings, not part of a run's recipe: two experiments side by side can each take one core.
        var threads = new Option<int?>("--threads") { Description = "libtorch threads for every run, overriding the plan (default: the plan's, else every core)." };
        var show = new Option<bool>("--show") { Description = "Print the plan and the runs it expands to (with their train flags), then stop." };
        var list = new Option<bool>("--list") { Description = "List the built-in plans, then stop." };

        var command = new Command("experiment", "Train the runs of an experiment plan one after another and report them side by side.");
        command.Arguments.Add(plan);
        command.Arguments.Add(data);
        foreach (var o in new Option[] { output, resume, only, cache, threads, show, list }) command.Options.Add(o);

        // Queued for the main thread, as in train: System.CommandLine installs its Ctrl+C handler only once the action returns a task.
        command.SetAction((ParseResult r, CancellationToken ct) => MainThreadWork.Run(() =>
        {
            var stdout = r.InvocationConfiguration.Output;
            if (r.GetValue(list))
            {
                foreach (var name in ExperimentPlan.BuiltInNames)
                {
                    var builtIn = ExperimentPlan.BuiltIn(name);
                    stdout.WriteLine($"{name,-8} {builtIn.Runs.Count,3} runs  {builtIn.Description}");
                }
                stdout.WriteLine("Show one with: changwen experiment NAME --show");
                return 0;
            }
            var planName = r.GetValue(plan) ?? throw new UserInputException(
                $"experiment: give a plan file or a built-in plan ({string.Join(", ", ExperimentPlan.BuiltInNames)}), e.g. changwen experiment seed DATA --out DIR");
            var experiment = ExperimentPlan.Open(planName);
            var runs = Resolve(experiment);
            if (r.GetValue(threads) is { } t)
                runs = runs.Select(run => run with { Options = run.Options with { Optimizer = run.Options.Optimizer with { Threads = t } } }).ToList();
            if (r.GetValue(show))
            {
                Show(stdout, experiment, runs);
                return 0;
            }
            var dataPath = r.GetValue(data);
            var outDir = r.GetValue(output);
            if (dataPath is null || outDir is null)
                throw new UserInputException($"experiment: give the corpus and an output folder: changwen experiment {planName} DATA --out DIR");
            if (File.Exists(outDir))
                throw UserInputException.At(Path.GetFullPath(outDir), null, "is a file, not a folder. Give --out a new folder, or the folder of the experiment to resume");

            IReadOnlyList<RunRow> rows;
            try
            {
                rows = ConsoleProgress.Run(stdout, progress => ExperimentRunner.Run(dataPath, experiment, runs, outDir,
                    r.GetValue(resume), r.GetValue(only), r.GetValue(cache), progress, ct));
            }
            catch (OperationCanceledException)
            {
                r.InvocationConfiguration.Error.WriteLine(
                    $"changwen: stopped; finished runs and epochs are kept, the report is up to date. Continue with: changwen experiment {Quote(planName)} {Quote(dataPath)} --out {Quote(outDir)} --resume");
                return 130;
            }
            stdout.WriteLine();
            foreach (var row in rows)
                stdout.WriteLine($"{row.Name,-36} {Describe(row)}");
            var full = Path.GetFullPath(outDir);
            stdout.WriteLine($"report: {Path.Combine(full, ExperimentReport.MarkdownFile)} and {ExperimentReport.HtmlFile}");
            // Scripts should notice a failed run even though the experiment went on.
            return rows.Any(row => row.Status == RunStatus.Failed) ? 1 : 0;
        }));
        return command;
    }

    /// <summary>
    /// The training options of every run of the plan: each setting becomes the train flag of the same name
    /// (<c>max-len: 500</c> → <c>--max-len=500</c>) and the flags are parsed by <see cref="CliOptions"/>, the same
    /// declarations <c>changwen train</c> uses, so plan keys and flags cannot drift apart.
    /// </summary>
    public static IReadOnlyList<ExperimentRun> Resolve(ExperimentPlan plan)
    {
        var cli = new CliOptions();
        var command = new Command("plan");
        cli.AddTrainingTo(command);
        var keys = command.Options.Select(o => o.Name.TrimStart('-')).ToHashSet(StringComparer.Ordinal);

        var runs = new List<ExperimentRun>();
        foreach (var run in plan.Runs)
        {
            var args = new List<string>();
            foreach (var setting in run.Settings)
            {
                if (!keys.Contains(setting.Key))
                    throw UserInputException.At(plan.Source, setting.Line,
                        $"run '{run.Name}': unknown key '{setting.Key}'. Use a `changwen train` flag without its dashes: {string.Join(", ", keys.Order(StringComparer.Ordinal))}");
                // --key=value keeps a negative number or a value with spaces one token.
                args.Add(setting.Value is null ? $"--{setting.Key}" : $"--{setting.Key}={setting.Value}");
            }
            var parsed = command.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                var error = parsed.Errors[0];
                var line = error.SymbolResult is System.CommandLine.Parsing.OptionResult { Option: var option }
                    ? run.Settings.FirstOrDefault(s => $"--{s.Key}" == option.Name)?.Line : null;
                throw UserInputException.At(plan.Source, line, $"run '{run.Name}': {error.Message.TrimEnd('.')}. Fix the value in the plan");
            }
            var options = cli.Bind(parsed);
            try
            {
                // Every run is checked before the first one opens the corpus, so a bad value late in a plan costs nothing.
                ModelSpecs.Validate(options);
            }
            catch (UserInputException e)
            {
                throw UserInputException.At(plan.Source, run.Settings.FirstOrDefault(s => e.Message.StartsWith($"--{s.Key} ", StringComparison.Ordinal))?.Line, $"run '{run.Name}': {e.Message}. Fix the value in the plan");
            }
            runs.Add(new ExperimentRun(run, options));
        }
        return runs;
    }

    private static void Show(TextWriter o, ExperimentPlan plan, IReadOnlyList<ExperimentRun> runs)
    {
        o.Write(plan.Text);
        if (!plan.Text.EndsWith('\n')) o.WriteLine();
        o.WriteLine();
        o.WriteLine($"# {runs.Count} runs, each trained as `changwen train DATA --out OUT/runs/NAME` with:");
        foreach (var run in runs)
            o.WriteLine($"#   {run.Name,-36} {string.Join(" ", run.Plan.Settings.Select(s => s.Value is null ? $"--{s.Key}" : $"--{s.Key} {s.Value}"))}");
    }

    private static string Describe(RunRow row) => row.Status switch
    {
        RunStatus.Finished when row.Summary is { } s =>
            $"best val {s.BestValAccuracy:P2} (epoch {s.BestEpoch})" + (s.TestAccuracy is { } t ? $", test {t:P2}" : "") +
            (row.Stalled == true ? row.LeftChanceAtEpoch is { } n ? $", stalled until epoch {n}" : ", stalled" : ""),
        RunStatus.Failed => $"failed: {row.Error}",
        RunStatus.Unfinished => "unfinished",
        _ => "not started",
    };

    private static string Quote(string path) => path.Contains(' ') || path.Contains('\'') ? $"\"{path}\"" : path;
}

using System.Diagnostics;
using Spectre.Console;

namespace Changwen.Cli;

/// <summary>
/// Shows the library's <see cref="ProgressUpdate"/>s: on a terminal, a Spectre.Console progress bar per running stage
/// (segment, epoch, validate, evaluate...) with the messages printed above the bars; otherwise (redirected output, CI,
/// tests) plain lines without ANSI codes: every message, and a "stage: done/total" line at most every
/// <see cref="PlainInterval"/> per stage, so long stages still show signs of life in a log.
/// Use <see cref="Run{T}"/>, which keeps the live display up exactly as long as the work runs.
/// </summary>
public sealed class ConsoleProgress : IProgress<ProgressUpdate>
{
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private readonly object gate = new();
    private readonly TextWriter output;
    private readonly IAnsiConsole? console;
    private ProgressContext? context;
    private readonly Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Stopwatch> lastPlainLine = new(StringComparer.Ordinal);

    private ConsoleProgress(TextWriter output, IAnsiConsole? console)
    {
        this.output = output;
        this.console = console;
    }

    /// <summary>
    /// True when <paramref name="output"/> is the process's standard output and that is an ANSI terminal; false when it
    /// is redirected, TERM is dumb, or a test passes its own writer.
    /// </summary>
    public static bool IsTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected &&
        Environment.GetEnvironmentVariable("TERM") is not "dumb" &&
        AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>
    /// Runs <paramref name="work"/> with a progress reporter writing to <paramref name="output"/>: bars on a terminal,
    /// plain lines otherwise. The bars are cleared when the work ends (the messages stay).
    /// </summary>
    public static T Run<T>(TextWriter output, Func<IProgress<ProgressUpdate>, T> work)
    {
        if (!IsTerminal(output)) return work(new ConsoleProgress(output, null));

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var reporter = new ConsoleProgress(output, console);
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                reporter.context = ctx;
                return work(reporter);
            });
    }

    public void Report(ProgressUpdate update)
    {
        lock (gate)
        {
            if (console is null) ReportPlain(update);
            else ReportLive(update);
        }
    }

    private void ReportPlain(ProgressUpdate update)
    {
        if (update.Message is not null)
        {
            output.WriteLine(update.Message);
            return;
        }
        var finished = update.Total is { } total && update.Done >= total;
        if (!lastPlainLine.TryGetValue(update.Stage, out var clock))
        {
            // The first report of a stage only starts its clock: a short stage prints nothing but its message.
            lastPlainLine[update.Stage] = Stopwatch.StartNew();
            return;
        }
        if (finished || clock.Elapsed < PlainInterval) return;
        output.WriteLine(update.Total is { } t ? $"{update.Stage}: {update.Done:N0}/{t:N0}" : $"{update.Stage}: {update.Done:N0}");
        clock.Restart();
    }

    private void ReportLive(ProgressUpdate update)
    {
        if (update.Message is not null)
        {
            // Spectre draws this above the live bars.
            console!.MarkupLine(Markup.Escape(update.Message));
            return;
        }
        if (context is null) return;
        if (!tasks.TryGetValue(update.Stage, out var task))
        {
            // A stage with an unknown total (segmentation) ends when the next stage begins.
            foreach (var (stage, open) in tasks.Where(t => t.Value.IsIndeterminate).ToList()) Remove(stage, open);
            task = context.AddTask(Markup.Escape(update.Stage), autoStart: true, maxValue: Math.Max(1, update.Total ?? 1));
            tasks[update.Stage] = task;
        }
        if (update.Total is { } total)
        {
            task.IsIndeterminate = false;
            task.MaxValue = Math.Max(1, total);
            task.Value = Math.Min(update.Done, task.MaxValue);
            if (update.Done >= total) Remove(update.Stage, task);
        }
        else
        {
            task.IsIndeterminate = true;
            task.Description = Markup.Escape($"{update.Stage} {update.Done:N0}");
        }
    }

    private void Remove(string stage, ProgressTask task)
    {
        task.StopTask();
        context!.RemoveTask(task);
        tasks.Remove(stage);
    }
}

using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Changwen.Cli.Commands;

namespace Changwen.Cli;

/// <summary>
/// The whole command line: builds the commands, refuses a command line that does not parse with one line on stderr
/// (exit 2, stdout untouched), runs the command and turns a <see cref="UserInputException"/> (or a full disk) into one
/// line. Program.cs calls it with the real console; the tests call it in-process with string writers.
/// </summary>
public static partial class CliApp
{
    /// <summary>Exit code of a mistake the user can fix: a flag, a file, a folder.</summary>
    public const int UsageError = 2;

    /// <param name="standardInput">Where predict reads lines when given neither texts nor --file; null = the console.</param>
    public static RootCommand CreateRoot(TextReader? standardInput = null)
    {
        // One small file per command under Commands/, as fastText's main.cc has one function per subcommand.
        var root = new RootCommand("changwen (长文): train, diagnose, evaluate and serve classifiers for long Chinese documents.");
        foreach (var command in new[]
                 {
                     InspectCommand.Create(),
                     TrainCommand.Create(),
                     DiagnoseCommand.Create(),
                     EvalCommand.Create(),
                     PredictCommand.Create(standardInput),
                     ServeCommand.Create(),
                     ExportCommand.Create(),
                     ExperimentCommand.Create(),
                 })
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. <paramref name="host"/> runs the command's task to its exit code
    /// (Program.cs passes <see cref="MainThreadWork.Serve{T}"/>; by default the task is simply awaited).
    /// </summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null, Func<Func<Task<int>>, int>? host = null,
        TextReader? standardInput = null)
    {
        error ??= Console.Error;
        var parse = CreateRoot(standardInput).Parse(args);
        // --help and --version answer even when the rest of the line is incomplete.
        if (parse.Errors.Count > 0 && !(parse.Action is HelpAction || parse.Action?.GetType().Name == "VersionOptionAction"))
        {
            // An unknown word says most ("Required command was not provided" follows from a mistyped one).
            var first = parse.Errors.OrderBy(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1).First();
            error.WriteLine($"changwen: {Describe(first)} See `{CommandPath(parse.CommandResult)} --help`.");
            return UsageError;
        }
        var configuration = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            // Ctrl+C cancels the command's token; training stops after the current batch and says how to resume. Give it
            // time to get there (the default, 2 s, can end the process mid-batch on long documents).
            ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            Error = error,
        };
        if (output is not null) configuration.Output = output;
        try
        {
            return host is null ? parse.InvokeAsync(configuration).GetAwaiter().GetResult() : host(() => parse.InvokeAsync(configuration));
        }
        catch (UserInputException e)
        {
            error.WriteLine($"changwen: {OneLine(e.Message)}");
            return UsageError;
        }
        catch (IOException e) when (Changwen.IO.DiskFull.Is(e))
        {
            // AtomicFile leaves the previous file in place; say so instead of a stack trace.
            error.WriteLine($"changwen: the disk is full ({OneLine(e.Message)}). Files written before are intact; free some space and run the command again");
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    /// <summary>"changwen train" for the command the parser got to.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Add(c.Parent is null ? "changwen" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The parser's message, with .NET type names replaced by what the user should type.</summary>
    private static string Describe(ParseError error)
    {
        var message = OneLine(error.Message);
        message = TypeName().Replace(message, m => $"(expected {Expected(m.Groups[1].Value)})");
        return message.EndsWith('.') ? message : message + ".";
    }

    private static string Expected(string type) => type switch
    {
        _ when type.Contains("Int32") || type.Contains("Int64") => "a whole number",
        _ when type.Contains("Double") || type.Contains("Single") => "a number",
        _ when type.Contains("Boolean") => "true or false",
        _ => "another value",
    };

    [GeneratedRegex(@"(?:as expected|of) type '([^']+)'")]
    private static partial Regex TypeName();
}

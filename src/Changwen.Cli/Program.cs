using System.CommandLine;
using Changwen;
using Changwen.Cli;
using Changwen.Cli.Commands;

// One small file per command under Commands/, as fastText's main.cc has one function per subcommand.
var root = new RootCommand("changwen (长文): train, diagnose, evaluate and serve classifiers for long Chinese documents.");
foreach (var command in new[]
         {
             InspectCommand.Create(),
             TrainCommand.Create(),
             DiagnoseCommand.Create(),
             EvalCommand.Create(),
             PredictCommand.Create(),
             ServeCommand.Create(),
             ExperimentCommand.Create(),
         })
    root.Subcommands.Add(command);

try
{
    // Our own handler below prints user errors as one line; anything else is a bug and keeps its stack trace.
    // Training runs on this (the main) thread; see MainThreadWork for why.
    return MainThreadWork.Serve(() => root.Parse(args).InvokeAsync(new InvocationConfiguration
    {
        EnableDefaultExceptionHandler = false,
        // Ctrl+C cancels the command's token; training stops after the current batch and says how to resume. Give it
        // time to get there (the default, 2 s, can end the process mid-batch on long documents).
        ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
    }));
}
catch (UserInputException e)
{
    Console.Error.WriteLine($"changwen: {e.Message}");
    return 2;
}

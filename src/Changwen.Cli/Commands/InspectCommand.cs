using System.CommandLine;

namespace Changwen.Cli.Commands;

/// <summary><c>changwen inspect DATA</c>: what is in a corpus, before any training.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Corpus folder or file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var cli = new CliOptions();
        var command = new Command("inspect", "Describe a corpus: classes, splits, lengths, order, duplicates, unknown words.");
        command.Arguments.Add(data);
        command.Options.Add(json);
        cli.AddCorpusTo(command);
        cli.AddTextTo(command);
        command.SetAction(int (ParseResult r) => throw new UserInputException("inspect is being built"));
        return command;
    }
}

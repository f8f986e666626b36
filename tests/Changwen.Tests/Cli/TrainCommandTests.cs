using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Changwen.Cli.Commands;
using Changwen.Runs;
using Changwen.Tests.Pipeline;
using Changwen.Tests.Training;

namespace Changwen.Tests.Cli;

[Collection("torch")]
public sealed class TrainCommandTests
{
    private static (int Code, string Output, string Error) Invoke(params string[] args)
    {
        var root = new RootCommand { TrainCommand.Create(), InspectCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Train_prints_plain_epoch_lines_and_the_summary_when_output_is_not_a_terminal()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));
        var runDir = Path.Combine(dir.Path, "run");

        var (code, output, error) = Invoke("train", data, "--out", runDir, "--model", "lstm", "--tokenizer", "char", "--max-len", "30", "--epochs", "2",
            "--embedding-dim", "16", "--hidden-dim", "16", "--batch-size", "8", "--lr", "0.01", "--threads", "1", "--cache", "");

        Assert.True(code == 0, error);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("epoch 1/2  train loss", StringComparison.Ordinal) && l.Contains("val loss") && l.Contains("docs/s"));
        Assert.Contains(lines, l => l.StartsWith("epoch 2/2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("best val accuracy", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        Assert.Contains("macro avg", output);
        Assert.Contains("  best.pt", output);
        Assert.DoesNotContain('\u001b', output); // no ANSI escapes in plain mode
        Assert.Equal("lstm", Changwen.Runs.RunFolder.ReadFormat(runDir).Model);
        Assert.Equal(2, Changwen.Runs.RunFolder.ReadOptions(runDir).Optimizer.Epochs);
    }

    [Fact]
    public async Task Train_on_a_missing_folder_exits_2_with_one_line_and_no_stack_trace()
    {
        // The real executable, so the exit code and stderr are exactly what a user sees.
        var cli = Path.Combine(AppContext.BaseDirectory, "changwen.dll");
        Assert.True(File.Exists(cli), cli);
        using var dir = new TempDir();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "train", Path.Combine(dir.Path, "missing"), "--out", Path.Combine(dir.Path, "run") }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("changwen: ", lines[0]);
        Assert.Contains("missing", lines[0]);
        Assert.DoesNotContain("   at ", stderr + await stdout);
    }

    [Fact]
    public void Inspect_json_reports_word_lengths_unknown_rates_and_a_suggested_max_len()
    {
        using var dir = new TempDir();
        var data = TinyCorpus.Write(Path.Combine(dir.Path, "corpus"));

        var (code, output, error) = Invoke("inspect", data, "--json", "--tokenizer", "char", "--cache", "");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output); // stdout holds the JSON object only
        var root = json.RootElement;
        var words = root.GetProperty("word_length");
        Assert.InRange(words.GetProperty("p50").GetInt32(), 12, 29); // documents of 12..29 characters, one token each
        Assert.InRange(words.GetProperty("max").GetInt32(), 12, 29);
        var unknown = root.GetProperty("unknown_rate");
        Assert.InRange(unknown.GetProperty("val").GetDouble(), 0, 1);
        Assert.InRange(unknown.GetProperty("test").GetDouble(), 0, 1);
        var suggested = root.GetProperty("suggested_max_len").GetInt32();
        Assert.True(suggested >= words.GetProperty("p95").GetInt32() && suggested % 5 == 0, $"suggested {suggested}");

        var (_, plain, _) = Invoke("inspect", data, "--no-words");
        Assert.DoesNotContain("length in words", plain);
    }
}

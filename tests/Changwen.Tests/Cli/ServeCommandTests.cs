using System.CommandLine;
using System.Net;
using System.Text.RegularExpressions;
using Changwen.Bundle;
using Changwen.Cli.Commands;
using Changwen.Runs;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Cli;

[Collection("torch")]
public sealed class ServeCommandTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private static Task<int> Serve(TextWriter output, CancellationToken cancel, params string[] args) =>
        new RootCommand { ServeCommand.Create() }.Parse(["serve", .. args]).InvokeAsync(new InvocationConfiguration
        {
            Output = output, Error = new StringWriter(), EnableDefaultExceptionHandler = false,
        }, cancel);

    [Fact]
    public async Task Serve_listens_names_the_model_and_stops_when_cancelled()
    {
        var output = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var serving = Serve(output, cancel.Token, "news=" + run.RunDir, "--urls", "http://127.0.0.1:0", "--threads", "1", "--batch-wait-ms", "0");

        Match line = Match.Empty;
        for (var i = 0; i < 600 && !(line = Regex.Match(output.ToString(), $@"serving news \(lstm, version {RunFolder.FormatVersion}-[0-9a-f]{{12}}, 3 labels\) on (http://127\.0\.0\.1:\d+)")).Success; i++)
        {
            Assert.False(serving.IsCompleted, output.ToString());
            await Task.Delay(50);
        }
        Assert.True(line.Success, output.ToString());
        using var client = new HttpClient { BaseAddress = new Uri(line.Groups[1].Value) };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        cancel.Cancel();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Serve_refuses_a_missing_model_folder_bad_limits_and_a_taken_port_in_one_line()
    {
        var missing = Path.Combine(run.Scratch("serve-missing"), "nothing");
        var error = await Assert.ThrowsAsync<UserInputException>(() => Serve(new StringWriter(), CancellationToken.None, missing, "--urls", "http://127.0.0.1:0"));
        Assert.StartsWith(missing, error.Message);
        Assert.Contains("--max-batch", (await Assert.ThrowsAsync<UserInputException>(() =>
            Serve(new StringWriter(), CancellationToken.None, run.RunDir, "--max-batch", "0"))).Message);

        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        Assert.Contains("--urls", (await Assert.ThrowsAsync<UserInputException>(() =>
            Serve(new StringWriter(), CancellationToken.None, run.RunDir, "--urls", url, "--threads", "1"))).Message);
    }
}

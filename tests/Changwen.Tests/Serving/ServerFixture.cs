using System.Net.Http.Json;
using System.Text.Json;
using Changwen.Serving;
using Changwen.Tests.Bundle;
using Microsoft.AspNetCore.Builder;

namespace Changwen.Tests.Serving;

/// <summary>A real server (Kestrel on 127.0.0.1, a free port) over a tiny trained run, and an HttpClient talking to it.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(WebApplication app, Uri address)
    {
        App = app;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }
    public HttpClient Client { get; }

    /// <summary>Builds and starts a server on port 0 and reads the address it bound.</summary>
    public static async Task<RunningServer> StartAsync(ServingOptions options)
    {
        var app = ServingApp.Build(options with { Urls = ["http://127.0.0.1:0"] }, logging => { });
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        Assert.NotEqual(0, address.Port);
        return new RunningServer(app, address);
    }

    public async Task<BatchingStats> StatsAsync(string? model = null)
    {
        var info = await Client.GetFromJsonAsync<JsonElement>(model is null ? "/v1/model" : $"/v1/model?name={model}");
        return info.GetProperty("batching").Deserialize<BatchingStats>(Changwen.IO.Json.Compact)!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>One tiny run and one server over it (micro-batching wait 20 ms, so concurrent requests surely meet), per test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TinyRunFixture Run { get; } = new();
    public RunningServer Server { get; private set; } = null!;

    public ServingOptions Options => new()
    {
        Models = [new ModelSource("tiny", Run.RunDir)],
        MaxBodyBytes = 4 * 1024 * 1024,
        MaxTexts = 64,
        MaxTextChars = 100_000,
        MaxBatch = 256,
        BatchWait = TimeSpan.FromMilliseconds(20),
    };

    public async Task InitializeAsync() => Server = await RunningServer.StartAsync(Options);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Run.Dispose();
    }
}

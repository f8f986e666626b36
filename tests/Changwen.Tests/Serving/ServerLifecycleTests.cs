using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.Serving;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Serving;

/// <summary>Servers started for one test each: shutdown, timeouts, several models, the batcher on its own.</summary>
[Collection("torch")]
public sealed class ServerLifecycleTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private ServingOptions Options(TimeSpan batchWait) => new()
    {
        Models = [new ModelSource("tiny", run.RunDir)],
        BatchWait = batchWait,
    };

    [Fact]
    public async Task Graceful_shutdown_finishes_a_request_in_flight()
    {
        // A long batching wait holds the request in the queue while the server is told to stop.
        var server = await RunningServer.StartAsync(Options(TimeSpan.FromMilliseconds(1500)));
        var request = server.Client.PostAsJsonAsync("/v1/classify", new { texts = new[] { "球赛冠军" } });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (server.App.Services.GetService(typeof(ModelRegistry)) is ModelRegistry registry && registry.Default.Batcher.Stats.Waiting == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the request never reached the queue");
            await Task.Delay(10);
        }

        var stopping = server.App.StopAsync();
        var response = await request;
        await stopping;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("体育", body.GetProperty("results")[0].GetProperty("label").GetString());
        await Assert.ThrowsAsync<HttpRequestException>(() => server.Client.GetAsync("/healthz")); // nobody listens any more
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_request_that_waits_past_the_timeout_is_503_timeout()
    {
        await using var server = await RunningServer.StartAsync(Options(TimeSpan.FromSeconds(2)) with { RequestTimeout = TimeSpan.FromMilliseconds(200) });

        var response = await server.Client.PostAsJsonAsync("/v1/classify", new { texts = new[] { "球赛冠军" } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("timeout", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Several_models_are_addressed_by_name_and_the_first_is_the_default()
    {
        var copy = TinyRun.Copy(run.RunDir, run.Scratch("second-model"));
        await using var server = await RunningServer.StartAsync(Options(TimeSpan.Zero) with
        {
            Models = [new ModelSource("first", run.RunDir), ModelSource.Parse("second=" + copy)],
        });

        var byDefault = await server.Client.PostAsJsonAsync("/v1/classify", new { texts = new[] { "球赛" } });
        var second = await server.Client.PostAsJsonAsync("/v1/classify", new { texts = new[] { "球赛" }, model = "second" });
        var list = await server.Client.GetFromJsonAsync<JsonElement>("/v1/models");

        Assert.Equal("first", (await byDefault.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("model").GetString());
        Assert.Equal("second", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("model").GetString());
        Assert.Equal(["first", "second"], list.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(1, (await server.StatsAsync("second")).Requests);
    }

    [Fact]
    public void Two_models_of_one_name_and_no_model_are_refused()
    {
        Assert.Contains("two models are named 'a'", Assert.Throws<UserInputException>(() =>
            new ServingOptions { Models = [new ModelSource("a", run.RunDir), new ModelSource("a", run.RunDir)] }.Validate()).Message);
        Assert.Throws<UserInputException>(() => new ServingOptions().Validate());
        Assert.Equal(new ModelSource("run", "/x/run/"), ModelSource.Parse("/x/run/"));
        Assert.Equal(new ModelSource("news", "/x/run"), ModelSource.Parse("news=/x/run"));
    }

    [Fact]
    public async Task The_micro_batcher_answers_each_request_with_its_own_slice_and_top_k()
    {
        using var classifier = TextClassifier.Load(run.RunDir);
        var batcher = new MicroBatcher(classifier, maxBatch: 100, wait: TimeSpan.FromMilliseconds(200));
        var jobs = new[] { (new[] { "球赛冠军", "股市" }, 1), (new[] { "芯片手机" }, 3), (new[] { "银行", "教练", "网络" }, 2) };

        var answers = await Task.WhenAll(jobs.Select(j => batcher.ClassifyAsync(j.Item1, j.Item2, CancellationToken.None)));
        await batcher.DisposeAsync();

        for (var i = 0; i < jobs.Length; i++)
        {
            var expected = classifier.PredictBatch(jobs[i].Item1, jobs[i].Item2);
            Assert.Equal(expected.Select(p => p.Label), answers[i].Select(p => p.Label));
            Assert.Equal(expected.Select(p => p.Top), answers[i].Select(p => p.Top), new TopComparer());
        }
        Assert.Equal(new BatchingStats(3, 6, 1, 6, 0), batcher.Stats); // one forward pass for all three requests
        await Assert.ThrowsAsync<System.Threading.Channels.ChannelClosedException>(() => batcher.ClassifyAsync(["球赛"], 1, CancellationToken.None));
    }

    /// <summary>Same labels in the same order, probabilities equal to float rounding: a masked mean sums in an order
    /// that depends on the batch's shape, so a text batched with others may differ from it alone in the last bit.</summary>
    private sealed class TopComparer : IEqualityComparer<IReadOnlyList<LabelProbability>>
    {
        public bool Equals(IReadOnlyList<LabelProbability>? x, IReadOnlyList<LabelProbability>? y) =>
            x!.Count == y!.Count && x.Zip(y).All(p => p.First.Label == p.Second.Label && Math.Abs(p.First.Probability - p.Second.Probability) < 1e-6);
        public int GetHashCode(IReadOnlyList<LabelProbability> obj) => obj.Count;
    }
}

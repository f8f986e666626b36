using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Changwen.Export;
using Changwen.Runs;
using Changwen.Serving;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Serving;

/// <summary><c>serve --runtime onnx</c>: an exported folder served through ONNX Runtime answers as the run served by libtorch.</summary>
[Collection("torch")]
public sealed class OnnxServingTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    private static readonly string[] Texts = ["球赛冠军进攻防守教练", "股市银行利率投资基金", "芯片手机网络软件算法", ""];

    private ServingOptions Options(string dir, ServingRuntime runtime) => new()
    {
        Models = [new ModelSource("tiny", dir)],
        Runtime = runtime,
        OnnxThreads = runtime == ServingRuntime.Onnx ? 1 : 0,
        BatchWait = TimeSpan.FromMilliseconds(5),
    };

    private static async Task<JsonElement[]> ClassifyAsync(RunningServer server)
    {
        var response = await server.Client.PostAsJsonAsync("/v1/classify", new { texts = Texts, top_k = 3 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal("tiny", body.GetProperty("model").GetString());
        Assert.Matches($"^{Changwen.Runs.RunFolder.FormatVersion}-[0-9a-f]{{12}}$", body.GetProperty("version").GetString());
        return [.. body.GetProperty("results").EnumerateArray()];
    }

    [Fact]
    public async Task An_export_served_through_onnx_runtime_classifies_as_the_run_served_by_libtorch()
    {
        var export = run.Scratch("export");
        OnnxExporter.Export(run.RunDir, export);

        JsonElement[] expected, actual;
        await using (var torch = await RunningServer.StartAsync(Options(run.RunDir, ServingRuntime.Libtorch)))
            expected = await ClassifyAsync(torch);
        await using (var onnx = await RunningServer.StartAsync(Options(export, ServingRuntime.Onnx)))
        {
            actual = await ClassifyAsync(onnx);
            var info = await onnx.Client.GetFromJsonAsync<JsonElement>("/v1/model");
            Assert.Equal("lstm", info.GetProperty("kind").GetString());
            Assert.Equal(1, (await onnx.StatsAsync()).Requests);
        }

        Assert.Equal(Texts.Length, actual.Length);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i].GetProperty("label").GetString(), actual[i].GetProperty("label").GetString());
            var want = expected[i].GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetSingle());
            var got = actual[i].GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetSingle());
            Assert.Equal(want.Keys.Order(), got.Keys.Order());
            foreach (var (label, p) in want) Assert.True(Math.Abs(p - got[label]) <= 1e-4, $"text {i} label {label}: {p} vs {got[label]}");
        }
    }

    [Fact]
    public void A_run_folder_given_to_the_onnx_runtime_is_refused_with_one_line_naming_the_manifest()
    {
        var e = Assert.Throws<UserInputException>(() => ServingApp.Build(Options(run.RunDir, ServingRuntime.Onnx), logging => { }));
        Assert.Contains("manifest.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}

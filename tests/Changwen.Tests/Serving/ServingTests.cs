using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Changwen.Bundle;
using Changwen.Runs;
using Changwen.Serving;
using Changwen.Tests.Bundle;

namespace Changwen.Tests.Serving;

/// <summary>The real server on a loopback port, spoken to over HTTP.</summary>
[Collection("torch")]
public sealed class ServingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    private static readonly string[] Texts = ["球赛冠军进攻防守教练", "股市银行利率投资基金", "芯片手机网络软件算法"];

    private static HttpContent JsonBody(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadJson(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Classify_answers_each_text_with_its_label_and_top_k_probabilities_and_names_the_model()
    {
        var response = await Client.PostAsync("/v1/classify", JsonBody("""{"texts": ["球赛冠军进攻防守教练", "股市银行利率投资基金", "芯片手机网络软件算法"], "top_k": 2}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        using var classifier = TextClassifier.Load(fixture.Run.RunDir);
        var expected = classifier.PredictBatch(Texts, topK: 2);
        Assert.Equal("tiny", body.GetProperty("model").GetString());
        Assert.Matches($"^{RunFolder.FormatVersion}-[0-9a-f]{{12}}$", body.GetProperty("version").GetString());
        var results = body.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(3, results.Length);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i].Label, results[i].GetProperty("label").GetString());
            var probabilities = results[i].GetProperty("probabilities").EnumerateObject().ToArray();
            Assert.Equal(expected[i].Top.Select(t => t.Label), probabilities.Select(p => p.Name));
            Assert.Equal(expected[i].Top.Select(t => t.Probability), probabilities.Select(p => p.Value.GetSingle()));
        }
        Assert.Equal(["体育", "财经", "科技"], results.Select(r => r.GetProperty("label").GetString()));
    }

    [Fact]
    public async Task Top_k_defaults_to_one_and_stops_at_the_class_count()
    {
        var one = await ReadJson(await Client.PostAsync("/v1/classify", JsonBody("""{"texts": ["球赛"]}""")));
        var all = await ReadJson(await Client.PostAsync("/v1/classify", JsonBody("""{"texts": ["球赛"], "top_k": 50}""")));

        Assert.Single(one.GetProperty("results")[0].GetProperty("probabilities").EnumerateObject());
        var probabilities = all.GetProperty("results")[0].GetProperty("probabilities").EnumerateObject().Select(p => p.Value.GetSingle()).ToArray();
        Assert.Equal(3, probabilities.Length);
        Assert.Equal(1.0, probabilities.Sum(), 4);
    }

    [Fact]
    public async Task A_document_longer_than_max_len_words_is_truncated_not_refused()
    {
        var head = string.Concat(Enumerable.Repeat("股市银行", 6)); // 24 characters = the tiny model's max length
        var response = await Client.PostAsJsonAsync("/v1/classify", new { texts = new[] { head + string.Concat(Enumerable.Repeat("球赛冠军", 5000)), head }, top_k = 3 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await ReadJson(response)).GetProperty("results");
        Assert.Equal(results[1].GetRawText(), results[0].GetRawText());
    }

    [Fact]
    public async Task Model_endpoint_gives_labels_options_training_summary_and_batching_counts()
    {
        var response = await Client.GetAsync("/v1/model");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("tiny", body.GetProperty("name").GetString());
        Assert.Equal("lstm", body.GetProperty("kind").GetString());
        Assert.Equal(["体育", "科技", "财经"], body.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(24, body.GetProperty("options").GetProperty("encoding").GetProperty("max_len").GetInt32());
        Assert.True(body.GetProperty("summary").GetProperty("finished").GetBoolean());
        Assert.True(body.GetProperty("batching").TryGetProperty("forward_passes", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/v1/model?name=nothing")).StatusCode);
    }

    [Fact]
    public async Task Health_and_readiness_answer_ok_with_the_model_names()
    {
        foreach (var (path, status) in new[] { ("/healthz", "ok"), ("/readyz", "ready") })
        {
            var response = await Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJson(response);
            Assert.Equal(status, body.GetProperty("status").GetString());
            Assert.Equal(["tiny"], body.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        }
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_classify_with_snake_case_fields()
    {
        var response = await Client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        var classify = body.GetProperty("paths").GetProperty("/v1/classify").GetProperty("post");
        Assert.True(classify.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(classify.GetProperty("responses").TryGetProperty("413", out _));
        var request = body.GetProperty("components").GetProperty("schemas").GetProperty("ClassifyRequest").GetProperty("properties");
        Assert.True(request.TryGetProperty("top_k", out _));
        Assert.True(body.GetProperty("paths").TryGetProperty("/readyz", out _));
    }

    public static TheoryData<string, string, int, string> BadRequests => new()
    {
        { "malformed JSON", """{"texts": ["球赛""", 400, "invalid_json" },
        { "not JSON at all", "texts=球赛", 400, "invalid_json" },
        { "texts is a string", """{"texts": "球赛"}""", 400, "invalid_json" },
        { "texts holds numbers", """{"texts": [1, 2]}""", 400, "invalid_json" },
        { "top_k is a string", """{"texts": ["球赛"], "top_k": "3"}""", 400, "invalid_json" },
        { "top_k overflows", """{"texts": ["球赛"], "top_k": 1e40}""", 400, "invalid_json" },
        { "body is an array", """[["球赛"]]""", 400, "invalid_json" },
        { "empty body", "", 400, "invalid_json" },
        { "null body", "null", 400, "invalid_request" },
        { "no texts", """{"top_k": 2}""", 400, "invalid_request" },
        { "empty list", """{"texts": []}""", 400, "invalid_request" },
        { "a null text", """{"texts": ["球赛", null]}""", 400, "invalid_request" },
        { "top_k zero", """{"texts": ["球赛"], "top_k": 0}""", 400, "invalid_request" },
        { "too many texts", "{\"texts\": [" + string.Join(",", Enumerable.Repeat("\"球赛\"", 65)) + "]}", 413, "too_many_texts" },
        { "unknown model", """{"texts": ["球赛"], "model": "other"}""", 404, "unknown_model" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_request_gets_a_4xx_with_a_JSON_error(string what, string body, int status, string code)
    {
        var response = await Client.PostAsync("/v1/classify", JsonBody(body));

        await AssertError(response, status, code, what);
    }

    [Fact]
    public async Task Invalid_UTF8_is_400()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"texts": ["球赛XX"]}""");
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xC3; // a lead byte followed by an ASCII byte: not UTF-8
        bytes[at + 1] = 0x28;
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        await AssertError(await Client.PostAsync("/v1/classify", content), 400, "invalid_json", "invalid UTF-8");
    }

    [Fact]
    public async Task A_10_MB_body_is_413()
    {
        var json = "{\"texts\": [\"" + new string('球', 10 * 1024 * 1024 / 3) + "\"]}";
        // Expect: 100-continue, as curl sends for a large body: the server answers 413 from the declared length
        // without reading the body, and the client sends none of it. (Without it the client may still be writing when
        // the server has answered and closed: a broken pipe on the client's side, whatever the server does.)
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/classify") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;

        await AssertError(await Client.SendAsync(request), 413, "body_too_large", "10 MB body");
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_1_MB_text_is_413_and_names_the_text()
    {
        var response = await Client.PostAsJsonAsync("/v1/classify", new { texts = new[] { "球赛", new string('a', 1024 * 1024) } });

        var error = await AssertError(response, 413, "text_too_long", "1 MB text");
        Assert.Contains("texts[1]", error);
    }

    [Fact]
    public async Task Unknown_paths_and_methods_and_media_types_are_JSON_errors_too()
    {
        await AssertError(await Client.GetAsync("/v1/nothing"), 404, "not_found", "unknown path");
        await AssertError(await Client.GetAsync("/v1/classify"), 405, "method_not_allowed", "GET classify");
        await AssertError(await Client.PostAsync("/v1/classify", new StringContent("""{"texts": ["球赛"]}""", Encoding.UTF8, "text/plain")), 415, "unsupported_media_type", "text/plain");
    }

    [Fact]
    public async Task Sixty_four_concurrent_clients_all_get_200_and_share_forward_passes()
    {
        var before = await fixture.Server.StatsAsync();
        var random = new Random(3);
        var labels = TinyRun.ClassCharacters.Keys.ToArray();
        var texts = Enumerable.Range(0, 64).Select(i => TinyRun.Document(labels[i % 3], random)).ToArray();
        using var classifier = TextClassifier.Load(fixture.Run.RunDir);
        var expected = classifier.PredictBatch(texts);

        // One client (connection) each, all started together.
        var clients = Enumerable.Range(0, 64).Select(_ => new HttpClient { BaseAddress = Client.BaseAddress }).ToArray();
        try
        {
            var responses = await Task.WhenAll(texts.Select((text, i) => clients[i].PostAsJsonAsync("/v1/classify", new { texts = new[] { text } })));

            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            for (var i = 0; i < 64; i++)
                Assert.Equal(expected[i].Label, (await ReadJson(responses[i])).GetProperty("results")[0].GetProperty("label").GetString());
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
        var after = await fixture.Server.StatsAsync();
        Assert.Equal(64, after.Requests - before.Requests);
        Assert.Equal(64, after.Texts - before.Texts);
        Assert.True(after.ForwardPasses - before.ForwardPasses < 64 / 2, $"{after.ForwardPasses - before.ForwardPasses} forward passes for 64 requests");
        Assert.True(after.LargestBatch > 1);
    }

    private static async Task<string> AssertError(HttpResponseMessage response, int status, string code, string what)
    {
        Assert.True(status == (int)response.StatusCode, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await ReadJson(response)).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.DoesNotContain('\n', message);
        return message;
    }
}

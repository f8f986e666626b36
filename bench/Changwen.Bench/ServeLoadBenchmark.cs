using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Changwen.Bench;

/// <summary>
/// <c>serve-load --url URL --vocab RUN_DIR/vocab.tsv [--pid SERVER_PID] [--latency N] [--seconds S] [--rss-requests N]</c>:
/// a load client for <c>changwen serve</c> on loopback. It sends one 1,000-character document per request (words
/// drawn from the model's vocabulary by their training frequency, seeded; no corpus text), and measures
/// <list type="number">
/// <item>latency p50/p99 at concurrency 1 (<c>--latency</c> requests, one after another);</item>
/// <item>throughput in documents/second at concurrency 1, 8 and 64 (<c>--seconds</c> each);</item>
/// <item>the bad requests of docs/serving.md (malformed JSON, wrong types, empty list, 10 MB body, 1 MB text, invalid
/// UTF-8, 64 concurrent clients): the status of each, and that the server still answers /healthz;</item>
/// <item>the server's RSS (<c>/proc/PID/status</c> VmRSS) after 10,000 and after <c>--rss-requests</c> requests at
/// concurrency 8.</item>
/// </list>
/// Any 5xx or transport error is counted and printed; the run exits 1 if there was one.
/// </summary>
public static class ServeLoadBenchmark
{
    public static int Run(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var url = Arg("--url");
        var vocab = Arg("--vocab");
        if (url is null || vocab is null)
        {
            Console.Error.WriteLine("usage: serve-load --url URL --vocab RUN_DIR/vocab.tsv [--pid SERVER_PID] [--latency 1000] [--seconds 20] [--rss-requests 100000]");
            return 2;
        }
        var pid = Arg("--pid") is { } p ? int.Parse(p) : (int?)null;
        var latencyRequests = int.Parse(Arg("--latency") ?? "1000");
        var seconds = double.Parse(Arg("--seconds") ?? "20");
        var rssRequests = int.Parse(Arg("--rss-requests") ?? "100000");
        return RunAsync(new Uri(url), vocab, pid, latencyRequests, seconds, rssRequests).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(Uri url, string vocab, int? pid, int latencyRequests, double seconds, int rssRequests)
    {
        var document = Document(vocab, characters: 1000, seed: 1);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["texts"] = new[] { document }, ["top_k"] = 3 });
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(120),
        };
        var failures = 0;
        Console.WriteLine($"server: {url} (pid {pid?.ToString() ?? "not given"}); document: {document.Length} characters, {body.Length} bytes of JSON");
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"server RSS at start: {Rss(pid)}");

        for (var i = 0; i < 100; i++) failures += await Send(client, body) is null ? 1 : 0; // warm-up

        var latencies = new List<double>(latencyRequests);
        for (var i = 0; i < latencyRequests; i++)
        {
            var ms = await Send(client, body);
            if (ms is null) failures++; else latencies.Add(ms.Value);
        }
        latencies.Sort();
        Console.WriteLine($"latency, concurrency 1, {latencies.Count} requests: p50 {Percentile(latencies, 0.50):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, mean {latencies.Average():F1} ms");

        foreach (var concurrency in new[] { 1, 8, 64 })
        {
            var (done, failed, elapsed, all) = await Load(client, body, concurrency, TimeSpan.FromSeconds(seconds), int.MaxValue);
            failures += failed;
            all.Sort();
            Console.WriteLine($"throughput, concurrency {concurrency,2}: {done / elapsed.TotalSeconds,7:F1} documents/s ({done} in {elapsed.TotalSeconds:F1} s, {failed} failed); p50 {Percentile(all, 0.5):F1} ms, p99 {Percentile(all, 0.99):F1} ms");
        }
        Console.WriteLine($"server batching after the load: {await client.GetStringAsync("/v1/model").ContinueWith(t => JsonDocument.Parse(t.Result).RootElement.GetProperty("batching").GetRawText())}");

        failures += await BadRequests(client, url, document);

        if (rssRequests > 0)
        {
            var first = Math.Min(10_000, rssRequests);
            var clock = Stopwatch.StartNew();
            var (done1, failed1, _, _) = await Load(client, body, 8, Timeout.InfiniteTimeSpan, first);
            var rssFirst = RssKb(pid);
            Console.WriteLine($"RSS after {done1:N0} requests: {Rss(pid)} ({clock.Elapsed.TotalSeconds:F0} s)");
            var (done2, failed2, _, _) = await Load(client, body, 8, Timeout.InfiniteTimeSpan, rssRequests - first);
            var rssLast = RssKb(pid);
            failures += failed1 + failed2;
            Console.WriteLine($"RSS after {done1 + done2:N0} requests: {Rss(pid)} ({clock.Elapsed.TotalSeconds:F0} s, {(done1 + done2) / clock.Elapsed.TotalSeconds:F1} documents/s)");
            if (rssFirst > 0)
                Console.WriteLine($"RSS growth from {first:N0} to {done1 + done2:N0} requests: {100.0 * (rssLast - rssFirst) / rssFirst:+0.0;-0.0}%");
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine(failures == 0 ? "no 5xx, no transport errors" : $"FAILURES: {failures}");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>One classify request; its time in ms, or null (and a line on stderr) when it did not get a 200.</summary>
    private static async Task<double?> Send(HttpClient client, byte[] body)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync("/v1/classify", content);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.OK) return clock.Elapsed.TotalMilliseconds;
            Console.Error.WriteLine($"classify: {(int)response.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"classify: {e.Message}");
        }
        return null;
    }

    /// <summary><paramref name="concurrency"/> workers sending one request after another until the time or the count is used up.</summary>
    private static async Task<(long Done, int Failed, TimeSpan Elapsed, List<double> Latencies)> Load(HttpClient client, byte[] body, int concurrency, TimeSpan duration, long count)
    {
        long started = 0, done = 0;
        var failed = 0;
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while ((duration == Timeout.InfiniteTimeSpan || clock.Elapsed < duration) && Interlocked.Increment(ref started) <= count)
            {
                var ms = await Send(client, body);
                if (ms is null) Interlocked.Increment(ref failed);
                else { Interlocked.Increment(ref done); mine.Add(ms.Value); }
            }
            lock (latencies) latencies.AddRange(mine);
        })));
        return (done, failed, clock.Elapsed, latencies);
    }

    /// <summary>Each bad request of the brief: prints its status; a 5xx, a transport error or a dead server counts as a failure.</summary>
    private static async Task<int> BadRequests(HttpClient client, Uri url, string document)
    {
        var failures = 0;
        async Task Check(string what, Func<Task<HttpResponseMessage>> send)
        {
            try
            {
                using var response = await send();
                var text = await response.Content.ReadAsStringAsync();
                var code = (int)response.StatusCode;
                Console.WriteLine($"bad request: {what,-22} -> {code} {(text.Length > 90 ? text[..90] + "..." : text)}");
                if (code >= 500) failures++;
            }
            catch (HttpRequestException e)
            {
                Console.WriteLine($"bad request: {what,-22} -> transport error: {e.Message}");
                failures++;
            }
        }
        HttpContent Json(byte[] bytes)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return content;
        }
        Task<HttpResponseMessage> Post(byte[] bytes, bool expectContinue = false)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/classify") { Content = Json(bytes) };
            if (expectContinue) request.Headers.ExpectContinue = true;
            return client.SendAsync(request);
        }
        await Check("malformed JSON", () => Post("{\"texts\": [\"球赛"u8.ToArray()));
        await Check("wrong types", () => Post("{\"texts\": [1, 2], \"top_k\": \"3\"}"u8.ToArray()));
        await Check("empty list", () => Post("{\"texts\": []}"u8.ToArray()));
        // Expect: 100-continue, as curl sends it for large bodies: the 413 comes before the body is sent.
        await Check("10 MB body", () => Post(Encoding.UTF8.GetBytes("{\"texts\": [\"" + new string('a', 10 * 1024 * 1024) + "\"]}"), expectContinue: true));
        await Check("1 MB text", () => Post(Encoding.UTF8.GetBytes("{\"texts\": [\"" + new string('a', 1024 * 1024) + "\"]}")));
        var invalid = Encoding.UTF8.GetBytes("{\"texts\": [\"球赛XX\"]}");
        invalid[Array.IndexOf(invalid, (byte)'X')] = 0xC3;
        await Check("invalid UTF-8", () => Post(invalid));

        // 64 clients, each with its own connection, at once.
        var clients = Enumerable.Range(0, 64).Select(_ => new HttpClient { BaseAddress = url }).ToArray();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { texts = new[] { document } });
        var statuses = await Task.WhenAll(clients.Select(async c =>
        {
            try { using var r = await c.PostAsync("/v1/classify", Json(body)); return (int)r.StatusCode; }
            catch (HttpRequestException) { return -1; }
        }));
        foreach (var c in clients) c.Dispose();
        var summary = string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()}× {(g.Key < 0 ? "transport error" : g.Key.ToString())}"));
        Console.WriteLine($"bad request: {"64 concurrent clients",-22} -> {summary}");
        failures += statuses.Count(s => s != 200);
        await Check("server alive: /healthz", () => client.GetAsync("/healthz"));
        return failures;
    }

    /// <summary>Words drawn by their training frequency from a vocab.tsv until the text has exactly <paramref name="characters"/> characters.</summary>
    public static string Document(string vocabPath, int characters, int seed)
    {
        var words = new List<string>();
        var cumulative = new List<long>();
        long total = 0;
        foreach (var line in File.ReadLines(vocabPath))
        {
            var tab = line.LastIndexOf('\t');
            if (tab <= 0 || line.StartsWith('<')) continue; // <pad>, <unk>
            var count = long.Parse(line[(tab + 1)..]);
            if (count <= 0 || words.Count >= 20_000) continue;
            total += count;
            words.Add(line[..tab]);
            cumulative.Add(total);
        }
        var random = new Random(seed);
        var text = new StringBuilder();
        while (text.Length < characters)
        {
            var at = cumulative.BinarySearch(random.NextInt64(total));
            text.Append(words[at < 0 ? ~at : at]);
        }
        return text.ToString(0, characters);
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static long RssKb(int? pid)
    {
        if (pid is null) return 0;
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:"));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]);
    }

    private static string Rss(int? pid) => pid is null ? "n/a (give --pid)" : $"{RssKb(pid) / 1024.0:F1} MB";
}

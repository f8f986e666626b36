namespace Changwen.Serving;

/// <summary>A model to serve: the name clients address it by, and its run folder.</summary>
public sealed record ModelSource(string Name, string RunDirectory)
{
    /// <summary>
    /// <c>name=RUN_DIR</c>, or a bare <c>RUN_DIR</c> named after its folder. Names are what a request's <c>model</c>
    /// field and <c>GET /v1/model?name=</c> take.
    /// </summary>
    public static ModelSource Parse(string spec)
    {
        var equals = spec.IndexOf('=');
        if (equals > 0 && !Directory.Exists(spec))
            return new ModelSource(spec[..equals], spec[(equals + 1)..]);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec)));
        return new ModelSource(name, spec);
    }
}

/// <summary>What runs the served networks: libtorch over run folders, or ONNX Runtime over exported folders.</summary>
public enum ServingRuntime
{
    /// <summary>Each model is a run folder written by <c>changwen train</c>; TorchSharp/libtorch scores it.</summary>
    Libtorch,
    /// <summary>Each model is a folder written by <c>changwen export --format onnx</c>; ONNX Runtime scores it and libtorch is never loaded.</summary>
    Onnx,
}

/// <summary>Everything <see cref="ServingApp.Build"/> needs: models, addresses, limits and batching.</summary>
public sealed record ServingOptions
{
    /// <summary>The models; the first is the default for requests that name none. At least one.</summary>
    public IReadOnlyList<ModelSource> Models { get; init; } = [];

    /// <summary>What scores the models; every model of a server uses the same runtime.</summary>
    public ServingRuntime Runtime { get; init; } = ServingRuntime.Libtorch;

    /// <summary>ONNX Runtime's intra-op threads per model (0 = its default); libtorch's threads are process-wide and set by the caller.</summary>
    public int OnnxThreads { get; init; }

    /// <summary>Addresses to listen on (Kestrel syntax, e.g. http://127.0.0.1:5000; port 0 picks a free port).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5000"];

    /// <summary>Largest request body in bytes; a larger one is answered 413 before it is read.</summary>
    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most texts in one request (413 beyond).</summary>
    public int MaxTexts { get; init; } = 64;

    /// <summary>
    /// Most characters in one text (413 beyond). Texts under it but longer than the model's max length in words are
    /// truncated as in training, not refused; this limit only bounds the segmentation work one request can cause.
    /// </summary>
    public int MaxTextChars { get; init; } = 100_000;

    /// <summary>Most texts in one forward pass: the micro-batcher stops collecting there.</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>How long the micro-batcher waits for more requests after the first one arrives (0 = no wait).</summary>
    public TimeSpan BatchWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>A request still waiting for its predictions after this long is answered 503 (code <c>timeout</c>).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long requests in flight (and the batcher's queue) may take to finish.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest <c>top_k</c> a request may ask for; larger values are cut to the model's class count anyway.</summary>
    public int MaxTopK { get; init; } = 1000;

    /// <summary>Checks the options; a bad one is a <see cref="UserInputException"/> naming the setting.</summary>
    public void Validate()
    {
        if (Models.Count == 0) throw new UserInputException("serve: give at least one model (RUN_DIR or name=RUN_DIR).");
        var duplicate = Models.GroupBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new UserInputException($"serve: two models are named '{duplicate.Key}'. Name them apart with name=RUN_DIR.");
        if (Models.Any(m => string.IsNullOrWhiteSpace(m.Name)))
            throw new UserInputException("serve: a model name is empty. Write name=RUN_DIR with a non-empty name.");
        if (Urls.Count == 0) throw new UserInputException("serve: --urls is empty. Give an address such as http://127.0.0.1:5000.");
        foreach (var url in Urls) CheckUrl(url);
        Positive(MaxBodyBytes, "--max-body-bytes");
        Positive(MaxTexts, "--max-texts");
        Positive(MaxTextChars, "--max-text-chars");
        Positive(MaxBatch, "--max-batch");
        Positive(MaxTopK, "max top-k");
        if (OnnxThreads < 0) throw new UserInputException($"serve: --threads {OnnxThreads} must not be negative.");
        if (BatchWait < TimeSpan.Zero) throw new UserInputException($"serve: --batch-wait-ms {BatchWait.TotalMilliseconds} must not be negative.");
        if (RequestTimeout <= TimeSpan.Zero) throw new UserInputException("serve: --request-timeout must be positive.");
        if (ShutdownTimeout < TimeSpan.Zero) throw new UserInputException("serve: --shutdown-timeout must not be negative.");
    }

    /// <summary>
    /// What Kestrel can bind: http(s)://HOST:PORT, where HOST may also be * or + (every address). Checked before the
    /// models load, so a typo costs a second and one line instead of a stack trace from the host.
    /// </summary>
    private static void CheckUrl(string url)
    {
        // Kestrel's wildcard hosts are not URI hosts; any name stands in for them here.
        var probe = System.Text.RegularExpressions.Regex.Replace(url, @"^(https?://)[*+](?=[:/]|$)", "$1localhost");
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0 ||
            uri.PathAndQuery is not ("/" or "") || uri.Port is < 0 or > 65535)
            throw new UserInputException($"serve: --urls '{url}' is not an address to listen on. Give one such as http://127.0.0.1:5000 (http or https, host or * and a port)");
    }

    private static void Positive(long value, string name)
    {
        if (value < 1) throw new UserInputException($"serve: {name} {value} must be at least 1.");
    }
}

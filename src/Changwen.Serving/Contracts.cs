using Changwen.Bundle;
using Changwen.Runs;
using Changwen.Training;

namespace Changwen.Serving;

// The JSON bodies of the service. Names go out in snake_case (Changwen.IO.Json's convention): top_k, forward_passes.

/// <summary>POST /v1/classify: the texts to classify, how many labels to return for each, and which model.</summary>
/// <param name="Texts">One or more texts (at most the server's max texts, each at most its max characters).</param>
/// <param name="TopK">How many of the most probable labels to return per text (default 1; cut to the class count).</param>
/// <param name="Model">The model's name when the server holds several (default: the first).</param>
/// <remarks>Any other field is refused (400): a misspelt <c>"topk"</c> must not silently mean the default.</remarks>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record ClassifyRequest(IReadOnlyList<string?>? Texts, int? TopK = null, string? Model = null);

/// <summary>The answer for one text: its label and the top-k labels with their probabilities, most probable first.</summary>
public sealed record ClassifyResult(string Label, IReadOnlyDictionary<string, float> Probabilities)
{
    public static ClassifyResult From(Prediction p)
    {
        var probabilities = new Dictionary<string, float>(p.Top.Count, StringComparer.Ordinal); // insertion order is kept
        foreach (var t in p.Top) probabilities[t.Label] = t.Probability;
        return new ClassifyResult(p.Label, probabilities);
    }
}

/// <summary>The answer to POST /v1/classify: one result per text, in the order of the request.</summary>
public sealed record ClassifyResponse(string Model, string Version, IReadOnlyList<ClassifyResult> Results);

/// <summary>GET /v1/model: what the model is, how it was trained, and what the micro-batcher has done.</summary>
/// <param name="Version">format version and the first 12 hex digits of the weight file's SHA-256 (best.pt, linear.bin), e.g. <c>1-3f2a9c01b7de</c>.</param>
public sealed record ModelInfo(string Name, string Version, string Kind, IReadOnlyList<string> Labels, TrainOptions Options,
    TrainingSummary? Summary, BatchingStats Batching);

/// <summary>GET /healthz and /readyz.</summary>
public sealed record HealthResponse(string Status, IReadOnlyList<string> Models);

/// <summary>Every error: <c>{"error": {"code": "...", "message": "..."}}</c> with a 4xx or 5xx status.</summary>
public sealed record ErrorResponse(ErrorBody Error);

/// <summary>
/// <paramref name="Code"/> is stable and machine-readable (invalid_json, invalid_request, body_too_large,
/// too_many_texts, text_too_long, unknown_model, not_found, method_not_allowed, unsupported_media_type, timeout,
/// shutting_down, internal);
/// <paramref name="Message"/> is one line for people.
/// </summary>
public sealed record ErrorBody(string Code, string Message);

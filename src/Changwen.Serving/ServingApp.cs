using System.Text;
using System.Text.Json;
using Changwen.IO;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Changwen.Serving;

/// <summary>
/// The HTTP service over one or more <see cref="Bundle.TextClassifier"/>s (ASP.NET Core minimal API on Kestrel):
/// <c>POST /v1/classify</c>, <c>GET /v1/model</c>, <c>GET /v1/models</c>, <c>GET /healthz</c>, <c>GET /readyz</c> and the
/// OpenAPI document at <c>/openapi/v1.json</c>. Every error is <see cref="ErrorResponse"/> JSON; client input gets a
/// 4xx, never a 5xx.
/// </summary>
public static class ServingApp
{
    /// <summary>
    /// Loads the models (a bad run folder is a <see cref="UserInputException"/> naming the file) and builds the app,
    /// not yet started: <c>await app.StartAsync()</c> or <c>RunAsync()</c>. Disposing the app answers what is queued
    /// and frees the models.
    /// </summary>
    /// <param name="configureLogging">Replaces the console logging (tests pass one that logs nothing).</param>
    public static WebApplication Build(ServingOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        options.Validate();
        var registry = ModelRegistry.Load(options);
        try
        {
            return Build(options, registry, configureLogging);
        }
        catch
        {
            registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private static WebApplication Build(ServingOptions options, ModelRegistry registry, Action<ILoggingBuilder>? configureLogging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A larger body is refused with 413 before it is read.
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Logging.ClearProviders();
        if (configureLogging is not null) configureLogging(builder.Logging);
        else builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.Services.ConfigureHttpJsonOptions(json => UseChangwenJson(json.SerializerOptions));
        builder.Services.AddOpenApi();
        // Created by a factory so that the container disposes it with the app, after the server has stopped.
        builder.Services.AddSingleton(_ => registry);
        builder.Services.AddSingleton(options);

        var app = builder.Build();
        // Requests in flight finish first (Kestrel drains them within the shutdown timeout); then the batchers stop
        // taking work, answer what is queued, and the models are freed when the app is disposed.
        app.Lifetime.ApplicationStopped.Register(registry.CompleteAll);

        app.UseExceptionHandler(errors => errors.Run(async http =>
        {
            // Only bugs reach here: every failure a client can cause is answered where it is found.
            // The exception itself goes to the server log only: a client gets no .NET type names.
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await http.Response.WriteAsJsonAsync(Error("internal", $"internal error (request {http.TraceIdentifier}); see the server log"));
        }));
        app.UseStatusCodePages(async context =>
        {
            // 404, 405 and 415 from routing, as JSON like every other error.
            var http = context.HttpContext;
            var (code, message) = http.Response.StatusCode switch
            {
                404 => ("not_found", $"no endpoint {http.Request.Path}; see /openapi/v1.json"),
                405 => ("method_not_allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}"),
                415 => ("unsupported_media_type", $"Content-Type {http.Request.ContentType} is not accepted; send application/json"),
                var s => ("error", $"status {s}"),
            };
            await http.Response.WriteAsJsonAsync(Error(code, message));
        });

        app.MapOpenApi();
        app.MapPost("/v1/classify", ClassifyAsync)
            .WithName("Classify")
            .WithSummary("Classify texts: the label of each text and its top-k probabilities.")
            .Accepts<ClassifyRequest>("application/json")
            .Produces<ClassifyResponse>()
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/v1/model", (string? name, ModelRegistry models) =>
                models.Find(name) is { } model ? Results.Ok(model.Info()) : UnknownModel(name!, models))
            .WithName("GetModel")
            .WithSummary("The model's labels, training options, training summary and micro-batching counts (?name= picks a model).")
            .Produces<ModelInfo>()
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        app.MapGet("/v1/models", (ModelRegistry models) => models.Models.Select(m => m.Info()).ToArray())
            .WithName("ListModels")
            .WithSummary("Every served model, the default first.");
        app.MapGet("/healthz", (ModelRegistry models) => new HealthResponse("ok", [.. models.Names]))
            .WithName("Health")
            .WithSummary("The process is up and answering.");
        app.MapGet("/readyz", (ModelRegistry models, IHostApplicationLifetime lifetime) =>
                lifetime.ApplicationStopping.IsCancellationRequested
                    ? Results.Json(new HealthResponse("stopping", [.. models.Names]), statusCode: StatusCodes.Status503ServiceUnavailable)
                    : Results.Ok(new HealthResponse("ready", [.. models.Names])))
            .WithName("Ready")
            .WithSummary("The models are loaded and warmed up and the server is not shutting down (503 otherwise).")
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>Changwen's JSON convention (snake_case, kebab-case enums, Chinese unescaped) on ASP.NET Core's options.</summary>
    private static void UseChangwenJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = Json.Compact.PropertyNamingPolicy;
        json.DictionaryKeyPolicy = null;
        json.Encoder = Json.Compact.Encoder;
        json.NumberHandling = Json.Compact.NumberHandling;
        foreach (var converter in Json.Compact.Converters) json.Converters.Add(converter);
    }

    private static async Task<IResult> ClassifyAsync(HttpContext http, ModelRegistry models, ServingOptions limits,
        Microsoft.Extensions.Options.IOptions<JsonOptions> json)
    {
        if (http.Request.ContentLength > limits.MaxBodyBytes)
            return Fail(413, "body_too_large", $"the body has {http.Request.ContentLength:N0} bytes; the limit is {limits.MaxBodyBytes:N0}");

        ClassifyRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<ClassifyRequest>(http.Request.Body, json.Value.SerializerOptions, http.RequestAborted);
        }
        catch (JsonException e)
        {
            // Malformed JSON, wrong types and invalid UTF-8 all end here; the message names the position.
            return Fail(400, "invalid_json", "the body is not a valid classify request: " + RequestErrors.Describe(e));
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's body limit when the length was not declared (chunked), or a broken body.
            return e.StatusCode == 413
                ? Fail(413, "body_too_large", $"the body is larger than {limits.MaxBodyBytes:N0} bytes")
                : Fail(e.StatusCode, "invalid_request", FirstLine(e.Message));
        }
        catch (Exception e) when (e is InvalidOperationException or DecoderFallbackException or ArgumentException)
        {
            return Fail(400, "invalid_json", "the body is not valid UTF-8 JSON: " + RequestErrors.WithoutTypeNames(FirstLine(e.Message)));
        }
        if (request?.Texts is null) return Fail(400, "invalid_request", "give \"texts\": a list of one or more strings");
        var texts = request.Texts;
        if (texts.Count == 0) return Fail(400, "invalid_request", "\"texts\" is empty; give one or more strings");
        if (texts.Count > limits.MaxTexts)
            return Fail(413, "too_many_texts", $"{texts.Count} texts; the limit is {limits.MaxTexts} per request. Split them over several requests");
        for (var i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null) return Fail(400, "invalid_request", $"texts[{i}] is null; give a string");
            if (texts[i]!.Length > limits.MaxTextChars)
                return Fail(413, "text_too_long", $"texts[{i}] has {texts[i]!.Length:N0} characters; the limit is {limits.MaxTextChars:N0}");
        }
        var topK = request.TopK ?? 1;
        if (topK < 1 || topK > limits.MaxTopK) return Fail(400, "invalid_request", $"top_k {topK} must be between 1 and {limits.MaxTopK}");
        if (models.Find(request.Model) is not { } model) return UnknownModel(request.Model!, models);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(limits.RequestTimeout);
        try
        {
            var predictions = await model.Batcher.ClassifyAsync([.. texts.Select(t => t!)], topK, timeout.Token);
            return Results.Ok(new ClassifyResponse(model.Name, model.Version, [.. predictions.Select(ClassifyResult.From)]));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the client is gone
        }
        catch (OperationCanceledException)
        {
            return Fail(503, "timeout", $"no answer within {limits.RequestTimeout.TotalSeconds:0.#} s; the server is overloaded. Retry later");
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            return Fail(503, "shutting_down", "the server is shutting down. Retry on another instance");
        }
    }

    private static IResult UnknownModel(string name, ModelRegistry models) =>
        Fail(404, "unknown_model", $"no model named '{name}'; this server has {string.Join(", ", models.Names)}");

    private static IResult Fail(int status, string code, string message) => Results.Json(Error(code, message), statusCode: status);

    private static ErrorResponse Error(string code, string message) => new(new ErrorBody(code, message));

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Changwen.Models;
using Changwen.Serving;

namespace Changwen.Cli.Commands;

/// <summary><c>changwen serve MODEL... [--urls URL] [--runtime libtorch|onnx]</c>: the HTTP service (see docs/serving.md) until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var d = new ServingOptions();
        var models = new Argument<string[]>("model")
        {
            Description = "Run folder of a trained model (an exported folder with --runtime onnx), or name=DIR; several to serve several (the first is the default).",
            Arity = ArgumentArity.OneOrMore,
        };
        var urls = new Option<string[]>("--urls") { Description = "Addresses to listen on.", DefaultValueFactory = _ => [.. d.Urls], AllowMultipleArgumentsPerToken = true };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body (413 beyond).", DefaultValueFactory = _ => d.MaxBodyBytes };
        var maxTexts = new Option<int>("--max-texts") { Description = "Most texts per request (413 beyond).", DefaultValueFactory = _ => d.MaxTexts };
        var maxChars = new Option<int>("--max-text-chars") { Description = "Most characters per text (413 beyond); longer-than-max-len documents under it are truncated.", DefaultValueFactory = _ => d.MaxTextChars };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most texts per forward pass.", DefaultValueFactory = _ => d.MaxBatch };
        var batchWait = new Option<double>("--batch-wait-ms") { Description = "How long to gather concurrent requests into one forward pass (0 = no wait).", DefaultValueFactory = _ => d.BatchWait.TotalMilliseconds };
        var timeout = new Option<double>("--request-timeout") { Description = "Seconds a request may wait for its answer (503 beyond).", DefaultValueFactory = _ => d.RequestTimeout.TotalSeconds };
        var shutdown = new Option<double>("--shutdown-timeout") { Description = "Seconds requests in flight get to finish on shutdown.", DefaultValueFactory = _ => d.ShutdownTimeout.TotalSeconds };
        var threads = CliOptions.ThreadsOption();
        var runtime = ModelRuntime.Option();
        var command = new Command("serve", "Serve a trained model over HTTP: POST /v1/classify, GET /v1/model, /healthz, /readyz, /openapi/v1.json.");
        command.Arguments.Add(models);
        foreach (var o in new Option[] { urls, maxBody, maxTexts, maxChars, maxBatch, batchWait, timeout, shutdown, threads, runtime }) command.Options.Add(o);
        command.SetAction(async (ParseResult r, CancellationToken cancel) =>
        {
            var serving = ModelRuntime.Parse(r.GetValue(runtime)) == ModelRuntime.Kind.Onnx ? ServingRuntime.Onnx : ServingRuntime.Libtorch;
            var options = new ServingOptions
            {
                Runtime = serving,
                OnnxThreads = serving == ServingRuntime.Onnx ? r.GetValue(threads) : 0,
                Models = [.. r.GetValue(models)!.Select(ModelSource.Parse)],
                Urls = r.GetValue(urls)!,
                MaxBodyBytes = r.GetValue(maxBody),
                MaxTexts = r.GetValue(maxTexts),
                MaxTextChars = r.GetValue(maxChars),
                MaxBatch = r.GetValue(maxBatch),
                BatchWait = TimeSpan.FromMilliseconds(r.GetValue(batchWait)),
                RequestTimeout = Seconds(r.GetValue(timeout), "--request-timeout"),
                ShutdownTimeout = Seconds(r.GetValue(shutdown), "--shutdown-timeout"),
            };
            // Only the libtorch runtime may touch TorchSharp: setting its threads loads libtorch.
            if (serving == ServingRuntime.Libtorch) TorchRuntime.SetThreads(r.GetValue(threads));
            await using var app = ServingApp.Build(options);
            try
            {
                await app.StartAsync(cancel);
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidOperationException)
            {
                // Kestrel's "address already in use" and the like: the user picks another --urls.
                throw new UserInputException($"serve: cannot listen on {string.Join(", ", options.Urls)} ({e.Message}). Give another address with --urls.");
            }
            var output = r.InvocationConfiguration.Output;
            foreach (var model in app.Services.GetRequiredService<ModelRegistry>().Models)
                output.WriteLine($"serving {model.Name} ({model.Classifier.Format.Model}, version {model.Version}, {model.Classifier.Labels.Count} labels) on {string.Join(", ", app.Urls)}");
            output.Flush();
            // Ctrl+C or SIGTERM: stop taking connections, let requests in flight finish, then answer what is queued.
            await app.WaitForShutdownAsync(cancel);
            return 0;
        });
        return command;
    }

    private static TimeSpan Seconds(double value, string flag) =>
        double.IsFinite(value) && value >= 0 && value < 86_400 ? TimeSpan.FromSeconds(value) : throw new UserInputException($"serve: {flag} {value} must be a number of seconds between 0 and 86400.");
}

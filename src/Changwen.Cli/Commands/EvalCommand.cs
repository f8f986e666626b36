using System.CommandLine;
using System.Text.Json.Nodes;
using Changwen.Bundle;
using Changwen.Data;
using Changwen.Evaluation;
using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Cli.Commands;

/// <summary><c>changwen eval MODEL DATA</c>: accuracy, per-class scores and the confusion matrix of a trained model.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Run folder of a trained model (written by `changwen train`)." };
        var data = new Argument<string>("data") { Description = "Corpus folder or file to score." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var split = CliOptions.Enum<Split>("--split",
            "Score this split (default: the recorded test split of the training corpus, the test split of a corpus with split files, otherwise every document).");
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per forward pass.", DefaultValueFactory = _ => TextClassifier.DefaultBatchSize };
        var threads = CliOptions.ThreadsOption();
        var runtime = ModelRuntime.Option();
        var cli = new CliOptions();
        var command = new Command("eval", "Score a trained model on a corpus: accuracy, precision/recall/F1 per class, confusion matrix.");
        command.Arguments.Add(model);
        command.Arguments.Add(data);
        foreach (var o in new Option[] { json, split, batchSize, threads, runtime, cli.Format, cli.Encoding, cli.TextColumn, cli.LabelColumn })
            command.Options.Add(o);
        command.SetAction(int (ParseResult r) =>
        {
            if (r.GetValue(batchSize) < 1) throw new UserInputException($"--batch-size {r.GetValue(batchSize)} must be at least 1.");
            var output = r.InvocationConfiguration.Output;
            var error = r.InvocationConfiguration.Error;

            using var classifier = ModelRuntime.Load(r.GetValue(model)!, r.GetValue(runtime), r.GetValue(threads));
            // Reading flags override the training corpus's; unset ones keep what the model was trained with.
            var trained = classifier.Options.Corpus;
            var corpusOptions = trained with
            {
                Format = r.GetValue(cli.Format) ?? trained.Format,
                Encoding = r.GetValue(cli.Encoding) ?? trained.Encoding,
                TextColumn = r.GetValue(cli.TextColumn) ?? trained.TextColumn,
                LabelColumn = r.GetValue(cli.LabelColumn) ?? trained.LabelColumn,
            };
            var result = ModelEvaluator.Evaluate(classifier, r.GetValue(data)!, corpusOptions, r.GetValue(split),
                r.GetValue(batchSize), new LineProgress(error));

            var pngPath = Path.Combine(classifier.RunDirectory, RunFolder.EvalConfusionPngFor(r.GetValue(data)!, result.SplitUsed));
            string? png = pngPath;
            try
            {
                ConfusionMatrixPlot.Save(result.Report, pngPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The scores are the result; a read-only model folder should not throw them away.
                error.WriteLine($"changwen: could not write {pngPath} ({e.Message}); the scores below are complete.");
                png = null;
            }

            if (r.GetValue(json)) output.WriteLine(ToJson(result, classifier, png));
            else WriteText(output, result, classifier, png);
            return 0;
        });
        return command;
    }

    /// <summary>The report's JSON (accuracy, macro_f1, per_class, confusion_matrix...) plus what was scored.</summary>
    public static string ToJson(EvaluationResult result, TextClassifier classifier, string? confusionPng)
    {
        var node = System.Text.Json.JsonSerializer.SerializeToNode(result.Report.ToJsonRecord(), Json.Options)!.AsObject();
        node["documents"] = result.Documents;
        node["split_used"] = result.SplitUsed;
        node["data"] = result.Data;
        node["documents_scored"] = result.Description;
        node["model"] = classifier.RunDirectory;
        node["confusion_png"] = confusionPng;
        if (classifier.Summary is { Candidates: { } candidates } summary)
        {
            node["chosen"] = summary.Chosen;
            node["candidates"] = System.Text.Json.JsonSerializer.SerializeToNode(candidates, Json.Options);
        }
        return node.ToJsonString(Json.Options);
    }

    private static void WriteText(TextWriter output, EvaluationResult result, TextClassifier classifier, string? png)
    {
        output.WriteLine($"model:     {classifier.RunDirectory} ({classifier.Format.Model}, {classifier.Labels.Count} classes)");
        if (classifier.Summary is { Candidates: { } candidates } summary)
        {
            output.WriteLine($"chosen:    {summary.Chosen} (by validation accuracy); candidates:");
            foreach (var c in candidates) output.WriteLine("  " + Describe(c));
        }
        else if (classifier.Summary is { C: { } c } linear)
            output.WriteLine($"linear:    {Tfidf.LinearTrainer.FormName(linear.LinearForm ?? LinearForm.Multinomial)}, C={c:G} (val accuracy {linear.BestValAccuracy:P2}), {linear.Features:N0} features");
        output.WriteLine($"documents: {result.Documents:N0}: {result.Description}");
        output.WriteLine();
        output.Write(result.Report.ToText(digits: 4));
        output.WriteLine();
        output.WriteLine("confusion matrix (rows: gold, columns: predicted)");
        output.Write(result.Report.ConfusionMatrixText());
        if (png is not null) output.WriteLine($"\nconfusion matrix plot: {png}");
    }

    /// <summary>One line for a candidate of an auto run: its name, what happened, its validation figures.</summary>
    public static string Describe(CandidateResult c) =>
        $"{c.Name,-20} {c.Status,-8}" +
        (c.ValAccuracy is { } a ? $" val accuracy {a:P2}, val loss {c.ValLoss:F4}" : "") +
        (c.Seconds is { } t ? $", {t:F0} s" : "") +
        (c.Note is { } n ? $" ({n})" : "");

    /// <summary>Progress as plain lines on standard error, so standard output stays clean for --json.</summary>
    private sealed class LineProgress(TextWriter error) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value)
        {
            if (value.Total is null) error.WriteLine($"{value.Stage}: {value.Done:N0} documents");
        }
    }
}

using System.CommandLine;
using Changwen.Data;
using Changwen.IO;
using Changwen.Text;
using Spectre.Console;

namespace Changwen.Cli.Commands;

/// <summary><c>changwen inspect DATA</c>: what is in a corpus, before any training.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Corpus folder or file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var splits = new Option<string?>("--splits") { Description = "Use the train/val/test split recorded in this file (source<TAB>split)." };
        var noWords = new Option<bool>("--no-words") { Description = "Skip the word-level statistics (they segment the corpus, which takes a while the first time)." };
        var cache = CliOptions.CacheOption();
        var cli = new CliOptions();
        var command = new Command("inspect", "Describe a corpus: classes, splits, lengths, order, duplicates, unknown words.");
        command.Arguments.Add(data);
        command.Options.Add(json);
        command.Options.Add(splits);
        command.Options.Add(noWords);
        command.Options.Add(cache);
        cli.AddCorpusTo(command);
        cli.AddTextTo(command);
        command.SetAction((ParseResult r, CancellationToken ct) =>
        {
            var corpus = Corpus.Open(r.GetValue(data)!, cli.Corpus(r), r.GetValue(splits));
            var report = CorpusInspector.Inspect(corpus);
            var output = r.InvocationConfiguration.Output;
            if (!r.GetValue(noWords))
            {
                // Same segmentation (and cache entry) as `train` with these flags, so inspecting first makes training start sooner.
                var options = cli.Bind(r);
                var progressTo = r.GetValue(json) ? r.InvocationConfiguration.Error : output; // keep stdout pure JSON
                // Read from the segmentation on disk a document at a time: inspecting a corpus of millions needs no more memory than one.
                using var segmented = ConsoleProgress.Run(progressTo, progress =>
                    Segmentation.Open(corpus.Read, corpus.Classes, corpus.Fingerprint(), options.Tokenizer, r.GetValue(cache), progress, ct));
                report = WordStatistics.Of(segmented, options.Vocabulary).AddTo(report);
            }
            if (r.GetValue(json)) output.WriteLine(Json.Serialize(report));
            else Render(report, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) }));
            return Task.FromResult(0);
        });
        return command;
    }

    private static void Render(CorpusReport report, IAnsiConsole console)
    {
        var summary = new Table().Title($"[bold]{Markup.Escape(report.Path)}[/]").HideHeaders().AddColumns("", "");
        summary.AddRow("format", CliOptions.Kebab(report.Format));
        summary.AddRow("documents", $"{report.Documents:N0}");
        summary.AddRow("classes", report.Classes.Count.ToString());
        summary.AddRow("splits", string.Join(" / ", report.Splits.Select(s => $"{s.Key} {s.Value:N0}")) + (report.HasOwnSplits ? " (the corpus's own)" : " (stratified, seeded)"));
        if (report.TrainOnlyClasses.Count > 0)
            summary.AddRow("single-document classes", $"[yellow]{report.TrainOnlyClasses.Count}[/] kept in train only, none to validate or test: " +
                Spectre.Console.Markup.Escape(string.Join(", ", report.TrainOnlyClasses.Take(10)) + (report.TrainOnlyClasses.Count > 10 ? ", ..." : "")));
        summary.AddRow("ordered by label", report.OrderedByLabel
            ? $"[yellow]yes[/] ({report.LabelRuns} label runs in train): shuffle when training"
            : $"no ({report.LabelRuns:N0} label runs in train)");
        summary.AddRow("empty documents skipped", report.SkippedEmpty.ToString());
        summary.AddRow("encodings", Markup.Escape(string.Join(", ", report.Encodings.Select(e => $"{e.Key}: {e.Value} files"))));
        if (report.NulPaddingTrimmed > 0) summary.AddRow("NUL padding trimmed", $"{report.NulPaddingTrimmed} files");
        console.Write(summary);

        var classes = new Table().Title("documents per class").AddColumns("class", "train", "val", "test", "total");
        foreach (var c in report.PerClass)
            classes.AddRow(Markup.Escape(c.Name), $"{c.Train:N0}", $"{c.Val:N0}", $"{c.Test:N0}", $"{c.Total:N0}");
        console.Write(classes);

        var l = report.CharLength;
        var lengths = new Table().Title("length in characters").AddColumns("p50", "p90", "p95", "p99", "max", "mean");
        lengths.AddRow($"{l.P50:N0}", $"{l.P90:N0}", $"{l.P95:N0}", $"{l.P99:N0}", $"{l.Max:N0}", $"{l.Mean:N1}");
        console.Write(lengths);

        if (report.WordLength is { } w)
        {
            var words = new Table().Title("length in words (tokens)").AddColumns("p50", "p90", "p95", "p99", "max", "mean", "suggested --max-len");
            words.AddRow($"{w.P50:N0}", $"{w.P90:N0}", $"{w.P95:N0}", $"{w.P99:N0}", $"{w.Max:N0}", $"{w.Mean:N1}", $"{report.SuggestedMaxLen} (p95, rounded up)");
            console.Write(words);
        }
        if (report.UnknownRate is { } u)
        {
            var unknown = new Table().Title("unknown-word rate vs. train vocabulary").AddColumns("val", "test");
            unknown.AddRow(u.Val is { } v ? $"{v:P2}" : "-", u.Test is { } t ? $"{t:P2}" : "-");
            console.Write(unknown);
        }

        var d = report.Duplicates;
        var duplicates = new Table().Title("duplicate texts").AddColumns("where", "documents");
        foreach (var (where, n) in new[]
                 {
                     ("within train", d.WithinTrain), ("within val", d.WithinVal), ("within test", d.WithinTest),
                     ("val also in train", d.ValInTrain), ("test also in train", d.TestInTrain), ("test also in val", d.TestInVal),
                     ("with conflicting labels", d.ConflictingLabels),
                 })
            duplicates.AddRow(where, n > 0 && where.Contains("also") ? $"[yellow]{n:N0}[/]" : $"{n:N0}");
        console.Write(duplicates);
        foreach (var e in d.Examples.Take(5)) console.MarkupLine($"  [grey]{Markup.Escape(e)}[/]");
    }
}

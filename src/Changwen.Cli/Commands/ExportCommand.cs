using System.CommandLine;
using Changwen.Export;

namespace Changwen.Cli.Commands;

/// <summary>
/// <c>changwen export RUN_DIR --format onnx --out DIR</c>: the trained model as a folder any ONNX runtime can serve
/// (model.onnx, vocabulary, labels, tokenizer files and manifest.json; see <see cref="OnnxExporter"/>).
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Run folder of a trained model (written by `changwen train`)." };
        var format = new Option<string>("--format") { Description = "What to export to: onnx (opset 17).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Folder to write model.onnx, manifest.json, vocab.tsv and labels.json into (never overwritten).", Required = true };
        var command = new Command("export", "Export a trained model for other runtimes (ONNX).");
        command.Arguments.Add(model);
        command.Options.Add(format);
        command.Options.Add(outDir);
        command.SetAction(r =>
        {
            if (!string.Equals(r.GetValue(format), "onnx", StringComparison.OrdinalIgnoreCase))
                throw new UserInputException($"export: --format {r.GetValue(format)} is not known. Use --format onnx");
            var manifest = OnnxExporter.Export(r.GetValue(model)!, r.GetValue(outDir)!);
            var output = r.InvocationConfiguration.Output;
            var inputs = string.Join(", ", manifest.Inputs.Select(i => $"{i.Name} [{string.Join(",", i.Shape)}]"));
            output.WriteLine($"Exported a {manifest.ModelKind} model to {Path.Combine(Path.GetFullPath(r.GetValue(outDir)!), manifest.Model)} (ONNX opset {manifest.Opset}; inputs {inputs}; outputs logits, probabilities)");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Changwen.Bundle;
using Changwen.Training;

namespace Changwen.Cli.Commands;

/// <summary><c>changwen train DATA --out RUN_DIR</c>: from corpus files to a trained, evaluated run folder.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new Argument<string>("data") { Description = "Corpus folder or file." };
        var output = new Option<string>("--out", "-o") { Description = "Run folder to create (or to continue with --resume).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out where it stopped; its saved options.json wins over the flags." };
        var cache = new Option<string?>("--cache") { Description = "Segmentation cache folder (default: $CHANGWEN_CACHE, else ~/.cache/changwen; \"\" = none)." };
        var cli = new CliOptions();
        var model = new ModelFlags();

        var command = new Command("train", "Train a classifier: segment, build the vocabulary, train with Adam, report on the test split.");
        command.Arguments.Add(data);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(cache);
        cli.AddCorpusTo(command);
        cli.AddTextTo(command);
        model.AddTo(command);

        // The work runs on a pool thread so the action returns a running task at once: System.CommandLine installs its
        // Ctrl+C handler (which cancels ct) only then; a synchronous action would be killed by the first Ctrl+C.
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() =>
        {
            var options = model.Bind(r, cli.Bind(r));
            var dataPath = r.GetValue(data)!;
            var runDir = r.GetValue(output)!;
            var stdout = r.InvocationConfiguration.Output;
            TrainingJobResult result;
            try
            {
                result = ConsoleProgress.Run(stdout, progress =>
                    TrainingJob.Run(dataPath, options, runDir, r.GetValue(resume), r.GetValue(cache), progress, ct));
            }
            catch (OperationCanceledException)
            {
                r.InvocationConfiguration.Error.WriteLine(
                    $"changwen: stopped; the finished epochs are kept. Continue with: changwen train {Quote(dataPath)} --out {Quote(runDir)} --resume");
                return 130; // the shell's code for "ended by Ctrl+C"
            }
            PrintSummary(stdout, result);
            return 0;
        }, CancellationToken.None));
        return command;
    }

    private static void PrintSummary(TextWriter o, TrainingJobResult result)
    {
        var s = result.Summary;
        o.WriteLine();
        o.WriteLine($"best val accuracy {s.BestValAccuracy:P2} at epoch {s.BestEpoch} of {s.EpochsRun}" +
                    (s.StoppedEarly ? " (stopped early: patience ran out)" : "") +
                    (result.ValCarvedFromTrain ? $" (validation held out from train: {TrainingJob.CarvedValFraction:P0})" : ""));
        if (result.TestReport is { } report)
        {
            o.WriteLine($"test accuracy {report.Accuracy:P2}, macro F1 {report.MacroAverage.F1:F4} ({report.Total:N0} documents)");
            o.WriteLine();
            o.WriteLine(report.ToText());
        }
        else o.WriteLine("no test documents: no test report");
        o.WriteLine($"run folder {result.RunDir}:");
        foreach (var file in result.Files) o.WriteLine($"  {Path.GetFileName(file)}");
    }

    private static string Quote(string path) => path.Contains(' ') || path.Contains('\'') ? $"\"{path}\"" : path;

    // ---------------------------------------------------------------------------------------------------------------
    // TEMPORARY: the model and optimizer flags the train command needs, until CliOptions gains AddModelTo/AddOptimizerTo
    // (being written on another branch). The merger replaces this class with those, in Create and in the action above.
    // ---------------------------------------------------------------------------------------------------------------
    private sealed class ModelFlags
    {
        private static readonly TrainOptions D = new();

        private readonly Option<ModelKind?> model = CliOptions.Enum<ModelKind>("--model", "lstm (default) or mergenet.");
        private readonly Option<double> lr = new("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => D.Optimizer.Lr };
        private readonly Option<int> batchSize = new("--batch-size") { Description = "Documents per mini-batch.", DefaultValueFactory = _ => D.Optimizer.BatchSize };
        private readonly Option<int> epochs = new("--epochs") { Description = "Epochs to train.", DefaultValueFactory = _ => D.Optimizer.Epochs };
        private readonly Option<int> seed = new("--seed") { Description = "Seed of the initial weights and the shuffles.", DefaultValueFactory = _ => D.Optimizer.Seed };
        private readonly Option<int> threads = new("--threads") { Description = "libtorch threads (0 = every core).", DefaultValueFactory = _ => D.Optimizer.Threads };
        private readonly Option<bool> noShuffle = new("--no-shuffle") { Description = "Train in reading order instead of shuffling every epoch." };
        private readonly Option<int> patience = new("--patience") { Description = "Stop after this many epochs without a better val accuracy (0 = never).", DefaultValueFactory = _ => D.Optimizer.Patience };
        private readonly Option<InitKind?> init = CliOptions.Enum<InitKind>("--init", "LSTM weight initialisation: default or orthogonal.");
        private readonly Option<int> layers = new("--layers") { Description = "LSTM layers.", DefaultValueFactory = _ => D.Model.LayerDim };
        private readonly Option<int> embeddingDim = new("--embedding-dim") { Description = "Word embedding size.", DefaultValueFactory = _ => D.Model.EmbeddingDim };
        private readonly Option<int> hiddenDim = new("--hidden-dim") { Description = "LSTM hidden size.", DefaultValueFactory = _ => D.Model.HiddenDim };
        private readonly Option<int> kernelSize = new("--kernel-size") { Description = "MergeNet Conv1d kernel width.", DefaultValueFactory = _ => D.Model.KernelSize };
        private readonly Option<int> poolKernel = new("--pool-kernel") { Description = "MergeNet MaxPool1d kernel.", DefaultValueFactory = _ => D.Model.PkernelSize };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { model, lr, batchSize, epochs, seed, threads, noShuffle, patience, init, layers, embeddingDim, hiddenDim, kernelSize, poolKernel })
                c.Options.Add(o);
        }

        public TrainOptions Bind(ParseResult r, TrainOptions o) => o with
        {
            Model = o.Model with
            {
                Kind = r.GetValue(model) ?? o.Model.Kind,
                Init = r.GetValue(init) ?? o.Model.Init,
                LayerDim = r.GetValue(layers),
                EmbeddingDim = r.GetValue(embeddingDim),
                HiddenDim = r.GetValue(hiddenDim),
                KernelSize = r.GetValue(kernelSize),
                PkernelSize = r.GetValue(poolKernel),
            },
            Optimizer = o.Optimizer with
            {
                Lr = r.GetValue(lr),
                BatchSize = r.GetValue(batchSize),
                Epochs = r.GetValue(epochs),
                Seed = r.GetValue(seed),
                Threads = r.GetValue(threads),
                Shuffle = !r.GetValue(noShuffle),
                Patience = r.GetValue(patience),
            },
        };
    }
}

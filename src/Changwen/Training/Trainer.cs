using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Changwen.Data;
using Changwen.IO;
using Changwen.Models;
using Changwen.Runs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Training;

/// <summary>
/// Trains a classifier with Adam and cross-entropy, validating after every epoch, and keeps a run folder
/// (see docs/training.md) from which a killed run can be resumed with identical results.
/// </summary>
public static class Trainer
{
    public const string BestWeights = Runs.RunFolder.BestWeights;
    public const string LastWeights = Runs.RunFolder.LastWeights;
    public const string SummaryFile = Runs.RunFolder.SummaryFile;

    /// <summary>
    /// With a watcher, gradient norms are recorded on each of the first <see cref="GradientRecordFirstSteps"/> steps
    /// (where exploding starts show up) and then on every <see cref="GradientRecordEvery"/>th: reading the norms costs
    /// one small reduction and a device sync per parameter tensor (measured in docs/training.md), a tenth of which is
    /// negligible beside a training step, and the detectors work on records, not steps.
    /// </summary>
    public const int GradientRecordFirstSteps = 50;
    public const int GradientRecordEvery = 10;

    /// <summary>
    /// With length buckets, every this many steps the free memory in malloc's arenas goes back to the kernel
    /// (<see cref="TorchRuntime.ReleaseFreedMemory"/>). The buckets' batches differ in width, and their tensors leave
    /// holes in the arena that later ones do not fit, so without it the resident size grows with the steps taken (the
    /// LSTM at 500 words: 2.9 GB after a 2,480-step epoch, 3.3 GB after 1,600 steps of a longer one). Each release costs
    /// the next step a round of page faults (about a second at 500 words). Measured over that epoch (docs/benchmarks.md,
    /// "Session 9"): every 50 steps peaked at 1.8 GB, every 200 at 2.3 GB, in the same time within 1 %. Batches of one
    /// shape (<c>--bucket false</c>) do not fragment the arena: no release.
    /// </summary>
    public const int ReleaseMemoryEverySteps = 50;

    /// <summary>Whether global step <paramref name="step"/> (1-based) records its gradient norms.</summary>
    public static bool GradientRecordDue(long step) => step <= GradientRecordFirstSteps || step % GradientRecordEvery == 0;

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/> for <c>options.Optimizer.Epochs</c> epochs (fewer with
    /// <c>Patience</c>), writing <c>metrics.jsonl</c>, <c>best.pt</c>, <c>last.pt</c>, <c>checkpoint.bin</c> and
    /// <c>summary.json</c> into <paramref name="runDir"/>. On return the model holds the best epoch's weights.
    /// </summary>
    /// <param name="model">A model built with <see cref="ModelFactory.Create"/> (seeded, for reproducible runs).</param>
    /// <param name="resume">Continue the run in <paramref name="runDir"/> from its last finished epoch; the result equals
    /// an uninterrupted run with the same seed and thread count. Without it, a folder that already holds a run is refused.</param>
    /// <param name="ct">Stops training between steps (throws <see cref="OperationCanceledException"/>); the run stays resumable.</param>
    /// <param name="observer">Watches the run (the diagnosis: Diagnosis/TrainingDiagnosis): told of every step, its raw
    /// gradients and every epoch, and given the places in metrics.jsonl for its own records. On resume it is handed the
    /// kept metrics first.</param>
    public static TrainingSummary Train(TextClassifierModel model, EncodedDataset train, EncodedDataset val, TrainOptions options,
        string runDir, bool resume = false, IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default,
        ITrainingObserver? observer = null)
    {
        var opt = options.Optimizer;
        Validate(model, train, val, opt);
        Directory.CreateDirectory(runDir);
        var metricsPath = Path.Combine(runDir, RunFolder.MetricsFile);
        var checkpointPath = Path.Combine(runDir, RunFolder.CheckpointFile);
        var bestPath = Path.Combine(runDir, BestWeights);
        if (!resume && (File.Exists(metricsPath) || File.Exists(checkpointPath)))
            throw UserInputException.At(runDir, null, "folder already holds a training run. Resume it, or train into a new folder");

        var threads = TorchRuntime.SetThreads(opt.Threads);
        TorchRuntime.KeepFreedMemory();
        TorchRuntime.FlushDenormals();   // the LSTM's backward pass reaches them: 10x slower steps on Intel
        random.manual_seed(opt.Seed);
        using var optimizer = new Adam(model.parameters(), opt.Lr);
        var fingerprint = Fingerprint(options, train, val);

        // Where to start: after the checkpoint's epoch, with metrics.jsonl cut back to what that epoch had written.
        int firstEpoch = 1;
        long globalStep = 0, metricsLength = 0;
        if (resume && File.Exists(checkpointPath))
        {
            var checkpoint = Checkpoint.Load(checkpointPath, model, optimizer);
            if (checkpoint.Fingerprint != fingerprint)
                throw UserInputException.At(checkpointPath, null,
                    "the run was started with different model options, optimiser settings or data. Resume with the original options.json and data, or start a new run folder");
            (firstEpoch, globalStep, metricsLength) = (checkpoint.Epoch + 1, checkpoint.GlobalStep, checkpoint.MetricsLength);
        }
        var history = TruncateMetrics(metricsPath, metricsLength, firstEpoch - 1);
        DeleteStaleTemporaryFiles(runDir);
        // The kept epochs bring a fresh observer to where it was (the diagnosis repeats no finding already recorded).
        if (resume) observer?.OnResume(metricsPath);

        var parameters = model.parameters().Sum(p => p.numel());
        TrainingSummary Summarize(bool finished, bool stoppedEarly) =>
            Summary(model.Options.Kind, history, opt, train, val, parameters, threads, finished, stoppedEarly);

        var stopped = PatienceExhausted(history, opt.Patience);
        using (var metrics = new FileStream(metricsPath, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            var loop = new EpochLoop(model, optimizer, train, opt, metrics, progress, observer, ct);
            for (var epoch = firstEpoch; epoch <= opt.Epochs && !stopped; epoch++)
            {
                var clock = Stopwatch.StartNew();
                // Reseeding per epoch makes any randomness inside an epoch (dropout, later) independent of where a run resumed.
                random.manual_seed(BatchOrder.EpochSeed(opt.Seed, epoch));
                var (trainLoss, trainAccuracy) = TrainEpoch(loop, epoch, ref globalStep);
                var trainSeconds = clock.Elapsed.TotalSeconds;
                ct.ThrowIfCancellationRequested();
                var predicted = observer is null ? null : new long[model.NumClasses];
                var (valLoss, valAccuracy) = Evaluate(model, val, opt.BatchSize, $"validate {epoch}", progress, ct, predicted);

                if (!double.IsFinite(valLoss)) throw DivergedException.AtValidation(epoch, valLoss, opt);
                var record = new EpochRecord
                {
                    Epoch = epoch, TrainLoss = trainLoss, TrainAccuracy = trainAccuracy, ValLoss = valLoss, ValAccuracy = valAccuracy,
                    Seconds = clock.Elapsed.TotalSeconds, DocsPerSecond = train.Count / Math.Max(trainSeconds, 1e-9),
                    Lr = optimizer.ParamGroups.First().LearningRate,
                };
                var improved = history.Count == 0 || Better(record, history[BestIndex(history)]);
                history.Add(record);
                metrics.Write(MetricsLog.Line(record));
                observer?.WriteEpochRecords(metrics, epoch, predicted!);
                metrics.Flush(flushToDisk: true); // the checkpoint below records this length, so it must be on disk first

                // Weights before the checkpoint: a kill in between redoes this epoch, which rewrites them identically.
                if (improved) ModelFactory.SaveWeights(model, bestPath);
                ModelFactory.SaveWeights(model, Path.Combine(runDir, LastWeights));
                new Checkpoint(epoch, globalStep, metrics.Length, fingerprint).Save(checkpointPath, model, optimizer);

                stopped = PatienceExhausted(history, opt.Patience);
                AtomicFile.WriteAllText(Path.Combine(runDir, SummaryFile), Json.Serialize(Summarize(finished: false, stoppedEarly: stopped)));
                progress?.Report(new ProgressUpdate($"epoch {epoch}/{opt.Epochs}", epoch, opt.Epochs, Describe(record, opt.Epochs, improved)));
                observer?.OnEpoch(record, predicted!);
            }
        }

        if (File.Exists(bestPath)) ModelFactory.LoadWeights(model, bestPath);
        var summary = Summarize(finished: true, stoppedEarly: stopped);
        AtomicFile.WriteAllText(Path.Combine(runDir, SummaryFile), Json.Serialize(summary));
        return summary;
    }

    /// <summary>What every epoch of one <see cref="Train"/> call shares.</summary>
    private sealed record EpochLoop(TextClassifierModel Model, Adam Optimizer, EncodedDataset Train, OptimizerOptions Opt,
        FileStream Metrics, IProgress<ProgressUpdate>? Progress, ITrainingObserver? Observer, CancellationToken Ct);

    private static (double Loss, double Accuracy) TrainEpoch(EpochLoop loop, int epoch, ref long globalStep)
    {
        var (model, optimizer, train, opt, metrics, progress, observer, ct) = loop;
        model.train();
        // The balanced sampler draws this epoch's rows (in random order); bucketing then groups the drawn rows by length.
        var drawn = opt.Sampler == SamplerKind.Balanced ? BatchOrder.BalancedDraw(train.Labels, model.NumClasses, opt.Seed, epoch) : null;
        var batchRows = (opt.Bucket, drawn) switch
        {
            (true, null) => BatchOrder.Bucketed(train.Lengths, opt.BatchSize, opt.Shuffle, opt.Seed, epoch).Select(rows => new ArraySegment<int>(rows)),
            (true, _) => BatchOrder.Bucketed(drawn, train.Lengths, opt.BatchSize, shuffle: true, opt.Seed, epoch).Select(rows => new ArraySegment<int>(rows)),
            (false, null) => BatchOrder.Slices(BatchOrder.ForEpoch(train.Count, opt.Shuffle, opt.Seed, epoch), opt.BatchSize),
            (false, _) => BatchOrder.Slices(drawn, opt.BatchSize),
        };
        using var classWeights = opt.ClassWeight == ClassWeighting.Balanced
            ? tensor(ClassWeights.Balanced(train.Labels, model.NumClasses)) : null;
        var batches = BatchOrder.Count(train.Count, opt.BatchSize);
        var stage = $"epoch {epoch}/{opt.Epochs}";
        double lossSum = 0;
        long correct = 0, done = 0;
        foreach (var rows in batchRows)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            // Bucketed batches are cut to their longest document; with --pool last the model then reads that column.
            var batch = Batch.Create(train, rows, trimPadding: opt.Bucket, minWidth: model.MinSequenceLength);
            var step = globalStep + 1;
            var (logits, loss, gradNorm) = Step(model, optimizer, batch, opt.ClipGradNorm, classWeights,
                afterBackward: observer?.AfterBackward(model, step));

            var lossValue = loss.item<float>();
            if (!float.IsFinite(lossValue)) throw DivergedException.AtStep(epoch, step, lossValue, opt);
            lossSum += (double)lossValue * batch.Size;
            correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
            globalStep = step;
            metrics.Write(MetricsLog.Line(new StepRecord { Epoch = epoch, Step = step, Loss = lossValue, GradNorm = (float?)gradNorm }));
            observer?.WriteStepRecords(metrics, epoch, step);
            // Flushed to the OS every step so a killed process loses at most the line being written.
            metrics.Flush();
            observer?.OnStep(epoch, step, lossValue);
            if (opt.Bucket && step % ReleaseMemoryEverySteps == 0) TorchRuntime.ReleaseFreedMemory();
            progress?.Report(new ProgressUpdate(stage, ++done, batches));
        }
        return (lossSum / train.Count, (double)correct / train.Count);
    }

    /// <summary>
    /// One optimiser step on <paramref name="batch"/>: forward, cross-entropy (weighted by <paramref name="classWeights"/>
    /// when given), backward, optional clipping of the
    /// gradients' joint L2 norm to <paramref name="clipGradNorm"/>, Adam step. Returns the logits, the loss and the
    /// gradient norm before clipping (null without clipping). <paramref name="afterBackward"/> runs between backward
    /// and clipping, when the gradients are the raw ones.
    /// </summary>
    internal static (Tensor Logits, Tensor Loss, double? GradNorm) Step(TextClassifierModel model, Adam optimizer, Batch batch, double? clipGradNorm,
        Tensor? classWeights = null, Action? afterBackward = null)
    {
        var logits = model.call(batch.Ids, batch.Lengths);
        // With class weights the mean is over the batch's weights (libtorch's rule), so a uniform guess still costs ln C.
        var loss = nn.functional.cross_entropy(logits, batch.Labels, weight: classWeights);
        optimizer.zero_grad();
        loss.backward();
        afterBackward?.Invoke();
        double? gradNorm = clipGradNorm is { } maxNorm ? nn.utils.clip_grad_norm_(model.parameters(), maxNorm) : null;
        optimizer.step();
        return (logits, loss, gradNorm);
    }

    /// <summary>Mean cross-entropy and accuracy over <paramref name="data"/>, in eval mode (BatchNorm uses its running statistics).</summary>
    /// <param name="predictedCounts">When given (length = classes), each class's count of argmax wins is added to it.</param>
    internal static (double Loss, double Accuracy) Evaluate(TextClassifierModel model, EncodedDataset data, int batchSize,
        string stage, IProgress<ProgressUpdate>? progress, CancellationToken ct, long[]? predictedCounts = null)
    {
        model.eval();
        using var noGrad = no_grad();
        var order = BatchOrder.ForEpoch(data.Count, shuffle: false, seed: 0, epoch: 0);
        var batches = BatchOrder.Count(data.Count, batchSize);
        double lossSum = 0;
        long correct = 0, done = 0;
        foreach (var rows in BatchOrder.Slices(order, batchSize))
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = Batch.Create(data, rows);
            var logits = model.call(batch.Ids, batch.Lengths);
            lossSum += nn.functional.cross_entropy(logits, batch.Labels, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
            if (predictedCounts is not null) PredictionCounts.Add(predictedCounts, logits);
            progress?.Report(new ProgressUpdate(stage, ++done, batches));
        }
        model.train();
        return (lossSum / data.Count, (double)correct / data.Count);
    }

    private static void Validate(TextClassifierModel model, EncodedDataset train, EncodedDataset val, OptimizerOptions opt)
    {
        if (opt.Epochs < 1) throw new UserInputException($"epochs must be at least 1, got {opt.Epochs}. Pass a positive epoch count");
        if (opt.BatchSize < 1) throw new UserInputException($"batch size must be at least 1, got {opt.BatchSize}. Pass a positive batch size");
        if (opt.Lr <= 0 || !double.IsFinite(opt.Lr)) throw new UserInputException($"learning rate must be positive, got {opt.Lr}. Pass e.g. 0.001");
        if (opt.Threads < 0) throw new UserInputException($"threads must be 0 (every core) or more, got {opt.Threads}");
        if (opt.Patience < 0) throw new UserInputException($"patience must be 0 (off) or more, got {opt.Patience}");
        if (opt.ClipGradNorm is { } clip && !(clip > 0 && double.IsFinite(clip)))
            throw new UserInputException($"gradient clipping norm must be positive, got {clip}. Pass e.g. 1, or leave clipping off");
        if (opt.Sampler == SamplerKind.Balanced && opt.ClassWeight == ClassWeighting.Balanced)
            throw new UserInputException("--sampler balanced and --class-weight balanced both correct the class imbalance, and together over-correct it. Use one of them");
        if (opt.Sampler == SamplerKind.Balanced && !opt.Shuffle)
            throw new UserInputException("--sampler balanced draws documents in random order, so it cannot train in dataset order. Drop --no-shuffle or the sampler");
        if (train.Count == 0) throw new UserInputException("the training set is empty. Check the corpus and the split fractions");
        if (val.Count == 0) throw new UserInputException("the validation set is empty, and the best epoch is chosen on it. Raise the validation fraction");
        foreach (var data in new[] { train, val })
        {
            if (data.MaxLen < model.MinSequenceLength)
                throw new UserInputException($"rows of {data.MaxLen} tokens are too short for {model.Options.Kind} (kernel {model.Options.KernelSize}, pool {model.Options.PkernelSize}) which needs at least {model.MinSequenceLength}. Raise the max length");
            // Out-of-range ids or labels would fail deep inside libtorch; they mean the data and model disagree (a bug upstream).
            foreach (var label in data.Labels)
                if (label < 0 || label >= model.NumClasses) throw new ArgumentException($"label {label} outside the model's {model.NumClasses} classes");
            foreach (var block in data.IdBlocks())
                foreach (var id in block.Span)
                    if (id < 0 || id >= model.VocabSize) throw new ArgumentException($"token id {id} outside the model's vocabulary of {model.VocabSize}");
        }
    }

    /// <summary>
    /// Cuts metrics.jsonl back to <paramref name="length"/> bytes (dropping the interrupted epoch and any torn line)
    /// and returns its epoch records, which must be exactly epochs 1..<paramref name="epochsDone"/>.
    /// </summary>
    private static List<EpochRecord> TruncateMetrics(string path, long length, int epochsDone)
    {
        if (length == 0)
        {
            File.WriteAllBytes(path, []);
            return [];
        }
        using (var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write))
        {
            if (stream.Length < length)
                throw UserInputException.At(path, null, $"holds {stream.Length} bytes but the checkpoint says {length} were written. The run folder was changed; start a new run");
            stream.SetLength(length);
        }
        var epochs = MetricsLog.Read(path).Epochs;
        if (epochs.Count != epochsDone || epochs.Select(e => e.Epoch).Where((e, i) => e != i + 1).Any())
            throw UserInputException.At(path, null, $"does not hold the epochs 1..{epochsDone} the checkpoint expects. The run folder was changed; start a new run");
        return epochs;
    }

    // AtomicFile's temporaries (".best.pt.<pid>.<guid>.tmp") outlive a killed process; none of ours is being written now.
    private static void DeleteStaleTemporaryFiles(string runDir)
    {
        foreach (var name in new[] { BestWeights, LastWeights, SummaryFile, RunFolder.CheckpointFile })
            foreach (var tmp in Directory.EnumerateFiles(runDir, $".{name}.*.tmp"))
                File.Delete(tmp);
    }

    private static bool PatienceExhausted(List<EpochRecord> history, int patience)
    {
        if (patience == 0 || history.Count == 0) return false;
        var best = BestIndex(history);
        return history.Count - 1 - best >= patience;
    }

    // The best epoch: the highest validation accuracy, and among equal accuracies the lowest validation loss. On a
    // small validation set accuracy saturates early (100% at epoch 3 of the sample) while the model is still nearly
    // uniform; the loss tells the later, confident epochs apart.
    private static int BestIndex(List<EpochRecord> history)
    {
        var best = 0;
        for (var i = 1; i < history.Count; i++)
            if (Better(history[i], history[best])) best = i;
        return best;
    }

    private static bool Better(EpochRecord a, EpochRecord b) =>
        a.ValAccuracy > b.ValAccuracy || (a.ValAccuracy == b.ValAccuracy && a.ValLoss < b.ValLoss);

    private static TrainingSummary Summary(ModelKind kind, List<EpochRecord> history, OptimizerOptions opt, EncodedDataset train,
        EncodedDataset val, long parameters, int threads, bool finished, bool stoppedEarly)
    {
        var summary = new TrainingSummary
        {
            Model = kind, EpochsPlanned = opt.Epochs, EpochsRun = history.Count, StoppedEarly = stoppedEarly, Finished = finished,
            TrainDocs = train.Count, ValDocs = val.Count, Parameters = parameters, Threads = threads, Seed = opt.Seed,
        };
        if (history.Count == 0) return summary;
        var best = history[BestIndex(history)];
        var last = history[^1];
        return summary with
        {
            BestValAccuracy = best.ValAccuracy, BestEpoch = best.Epoch,
            FinalTrainLoss = last.TrainLoss, FinalTrainAccuracy = last.TrainAccuracy, FinalValLoss = last.ValLoss, FinalValAccuracy = last.ValAccuracy,
            SecondsPerEpoch = history.Average(r => r.Seconds), TotalSeconds = history.Sum(r => r.Seconds),
            DocsPerSecond = history.Average(r => r.DocsPerSecond),
        };
    }

    /// <summary>
    /// Everything a resumed run must share with the original for its results to be the same. Options added after runs
    /// had been started (all but <see cref="FirstRuns"/>) are left out while they hold their defaults, so the fingerprint of
    /// such a run is the one its checkpoint recorded and it still resumes.
    /// </summary>
    internal static string Fingerprint(TrainOptions options, EncodedDataset train, EncodedDataset val)
    {
        var node = JsonSerializer.SerializeToNode(new
        {
            options.Model,
            options.Optimizer.Lr, options.Optimizer.BatchSize, options.Optimizer.Seed, options.Optimizer.Shuffle,
            options.Optimizer.ClipGradNorm, options.Optimizer.Bucket,
            options.Optimizer.ClassWeight, options.Optimizer.Sampler,
            Train = DataHash(train), Val = DataHash(val),
        }, Json.Compact)!.AsObject();
        var defaults = JsonSerializer.SerializeToNode(new { Model = new ModelOptions(), new OptimizerOptions().ClassWeight, new OptimizerOptions().Sampler }, Json.Compact)!.AsObject();
        var model = node["model"]!.AsObject();
        foreach (var name in model.Select(p => p.Key).Except(FirstRuns.Model).ToList())
            if (JsonNode.DeepEquals(model[name], defaults["model"]![name])) model.Remove(name);
        foreach (var name in FirstRuns.OptimizerAddedLater)
            if (JsonNode.DeepEquals(node[name], defaults[name])) node.Remove(name);
        return node.ToJsonString(Json.Compact);
    }

    /// <summary>
    /// What the first runs' fingerprints held (see <see cref="Fingerprint"/>): every model option added since, a new
    /// model kind's included, is left out while it holds its default, so a new option needs no entry here.
    /// </summary>
    private static class FirstRuns
    {
        public static readonly string[] Model = ["kind", "embedding_dim", "hidden_dim", "layer_dim", "init", "kernel_size", "pkernel_size",
            "pool", "forget_bias", "bidirectional"];
        public static readonly string[] OptimizerAddedLater = ["class_weight", "sampler"];
    }

    private static string DataHash(EncodedDataset data)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(BitConverter.GetBytes(data.MaxLen));
        // As int32 whatever the storage, so a run's fingerprint does not depend on where its ids are kept.
        foreach (var block in data.IdBlocks()) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(block.Span));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.Lengths.AsSpan()));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.Labels.AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static string Describe(EpochRecord r, int epochs, bool improved) =>
        $"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4} acc {r.TrainAccuracy:P1}  val loss {r.ValLoss:F4} acc {r.ValAccuracy:P1}  " +
        $"{r.Seconds:F1} s  {r.DocsPerSecond:F0} docs/s{(improved ? "  best" : "")}";
}

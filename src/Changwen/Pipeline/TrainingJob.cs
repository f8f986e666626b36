using Changwen.Data;
using Changwen.Diagnosis;
using Changwen.Evaluation;
using Changwen.IO;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Training;

namespace Changwen.Pipeline;

/// <summary>What <see cref="TrainingJob.Run"/> produced.</summary>
/// <param name="RunDir">The run folder, as a full path.</param>
/// <param name="Options">The options the run used, as saved in options.json (tokenizer files relative to the run folder).</param>
/// <param name="Summary">The training summary (best validation accuracy and epoch...), with the test scores when there was a test split.</param>
/// <param name="TestReport">Scores of the best weights on the test split; null when the corpus has no test documents.</param>
/// <param name="ValCarvedFromTrain">True when the corpus had no validation documents and 10% of train was held out instead.</param>
public sealed record TrainingJobResult(
    string RunDir, TrainOptions Options, TrainingSummary Summary, ClassificationReport? TestReport, bool ValCarvedFromTrain)
{
    /// <summary>Everything the diagnosis found in this run (diagnosis.json), before training and during it, in order.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    public double? TestAccuracy => TestReport?.Accuracy;
    public double? TestMacroF1 => TestReport?.MacroAverage.F1;

    /// <summary>The files in the run folder at the end of the run, as full paths in ordinal order.</summary>
    public IReadOnlyList<string> Files => Directory.EnumerateFiles(RunDir).Where(f => !Path.GetFileName(f).StartsWith('.'))
        .Order(StringComparer.Ordinal).ToList();
}

/// <summary>embeddings.json: where a run's pretrained word vectors came from and how much of its vocabulary they cover.</summary>
/// <param name="WordShare">Share of the vocabulary's words (without &lt;pad&gt; and &lt;unk&gt;) that have a vector.</param>
/// <param name="TokenShare">Share of the training tokens with a vocabulary id whose word has a vector.</param>
public sealed record EmbeddingsRecord(string Path, int Dimension, long VectorsInFile, int VocabularyWords, int Found,
    double WordShare, double TokenShare, bool Frozen);

/// <summary>
/// The one data path from corpus files to a trained run folder: read and split the corpus, segment it (cached), build
/// the vocabulary on train, encode, train with <see cref="Trainer"/>, then score the best weights on the test split
/// and draw the curves. Everything the run folder holds is listed in docs/training.md.
/// </summary>
public static class TrainingJob
{
    /// <summary>Share of each class of train held out as validation when the corpus has no validation documents.</summary>
    public const double CarvedValFraction = 0.1;

    /// <summary>
    /// Trains a model on the corpus at <paramref name="dataPath"/> into <paramref name="runDir"/>.
    /// </summary>
    /// <param name="options">The run's options. On resume they are ignored: the run folder's options.json wins, so a
    /// resumed run is the same run.</param>
    /// <param name="resume">Continue the run in <paramref name="runDir"/> (its recorded split, vocabulary and options);
    /// refused when the corpus content changed since.</param>
    /// <param name="cacheDir">Segmentation cache folder; null = the default one, "" = no cache.</param>
    /// <param name="ct">Cancels between steps (throws <see cref="OperationCanceledException"/>); the run stays resumable.</param>
    /// <param name="reportWatcherFindings">False keeps the training watcher's findings out of <paramref name="progress"/>;
    /// they are still recorded in diagnosis.json and <see cref="TrainingJobResult.Findings"/>, and the checks before
    /// training are still reported.</param>
    /// <param name="resumeEpochs">With <paramref name="resume"/>: train to this many epochs in all instead of the
    /// saved count (a finished run continues; options.json records the new count).</param>
    public static TrainingJobResult Run(string dataPath, TrainOptions options, string runDir, bool resume, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct, bool reportWatcherFindings = true, int? resumeEpochs = null)
    {
        if (!resume && options.Model.Kind == ModelKind.Auto)
            throw new ArgumentException("--model auto is a search over model kinds, not one training run: train it with TrainJob", nameof(options));
        using var claim = Claim(options, ref runDir, resume);
        try
        {
            return RunClaimed(dataPath, options, runDir, resume, cacheDir, progress, ct, reportWatcherFindings, resumeEpochs);
        }
        catch (UserInputException)
        {
            // Refused before its first epoch was kept (a bad corpus or vectors file): a folder this job created goes again.
            claim.AbandonIfUntrained();
            throw;
        }
    }

    /// <summary>
    /// Every flag checked (before libtorch loads, so a mistake costs no time), then the folder claimed (an OS lock)
    /// before anything is written into it; <paramref name="runDir"/> becomes a full path. Also what an auto run does
    /// before its candidates (<see cref="Jobs.TrainJob"/>).
    /// </summary>
    internal static RunFolderClaim Claim(TrainOptions options, ref string runDir, bool resume)
    {
        if (!resume) ValidateOptions(options);
        // Before the model is built: libtorch's worker threads, started by its first parallel operation, inherit it.
        TorchRuntime.FlushDenormals();
        runDir = Path.GetFullPath(runDir);
        if (File.Exists(Path.Combine(runDir, RunFolder.AutoFile)) ||
            !resume && options.Model.Kind == ModelKind.Auto && Directory.Exists(Path.Combine(runDir, RunFolder.CandidatesFolder)))
            throw UserInputException.At(runDir, null, "already holds an auto run (its candidates are its model). Train into a new folder");
        if (resume && File.Exists(Path.Combine(runDir, RunFolder.OptionsFile)) && RunFolder.ReadOptions(runDir).Model.Kind == ModelKind.Auto)
            throw UserInputException.At(runDir, null, "is an unfinished auto run, which cannot be resumed. Train into a new folder");
        return RunFolderClaim.Take(runDir, resume);
    }

    private static TrainingJobResult RunClaimed(string dataPath, TrainOptions options, string runDir, bool resume, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct, bool reportWatcherFindings, int? resumeEpochs)
    {
        var optionsPath = Path.Combine(runDir, RunFolder.OptionsFile);
        TrainOptions saved;
        if (resume)
        {
            if (!File.Exists(optionsPath))
                throw UserInputException.At(runDir, null, "holds no training run to resume (no options.json). Train into it without --resume");
            saved = RunFolder.ReadOptions(runDir);
            RunFolder.ClearFinished(runDir);
            if (resumeEpochs is { } epochs && epochs != saved.Optimizer.Epochs)
                saved = ResumeEpochs.Extend(runDir, saved, epochs, progress);
            progress?.Report(new ProgressUpdate("resume", 0, null, $"resuming {runDir} with its saved options.json"));
        }
        else
        {
            if (File.Exists(Path.Combine(runDir, RunFolder.MetricsFile)) || File.Exists(Path.Combine(runDir, RunFolder.CheckpointFile)) ||
                File.Exists(Path.Combine(runDir, RunFolder.LinearModelFile)))
                throw UserInputException.At(runDir, null, "folder already holds a training run. Resume it with --resume, or train into a new folder");
            ValidateOptions(options);
            Directory.CreateDirectory(runDir);
            saved = options with
            {
                Tokenizer = CopyTokenizerFiles(options.Tokenizer, runDir),
                // Not copied (vector files run to gigabytes) but named in full, so a resume from elsewhere finds it.
                Model = options.Model with { Embeddings = options.Model.Embeddings is { } vectors ? Path.GetFullPath(vectors) : null },
            };
        }
        // The tokenizer reads the copies inside the run folder; options.json names them relative to it.
        var effective = saved with { Tokenizer = ResolveTokenizerFiles(saved.Tokenizer, runDir) };

        // ---- corpus: open, split, record
        var splitsPath = Path.Combine(runDir, RunFolder.SplitsFile);
        // The fingerprint is that of the corpus opened without a recorded split (content + split settings), so eval,
        // inspect and the segmentation cache compute the same one from the data alone.
        var plain = Corpus.Open(dataPath, effective.Corpus);
        CorpusChecks.ForTraining(plain, progress);
        var fingerprint = plain.Fingerprint();
        Corpus corpus;
        if (resume)
        {
            var recorded = RunFolder.ReadCorpus(runDir);
            if (recorded is not null && recorded.Fingerprint != fingerprint)
                throw UserInputException.At(plain.Path, null,
                    $"differs from the corpus the run in {runDir} was trained on ({recorded.Path}): its files or split settings changed. Resume with the original corpus, or start a new run folder");
            corpus = !plain.HasOwnSplits && File.Exists(splitsPath) ? Corpus.Open(dataPath, effective.Corpus, splitsPath) : plain;
        }
        else
        {
            corpus = plain;
            if (!corpus.HasOwnSplits) corpus.WriteSplits(splitsPath);
            RunFolder.WriteCorpus(runDir, new CorpusRecord(corpus.Path, fingerprint, corpus.HasOwnSplits));
            RunFolder.WriteOptions(runDir, saved);
            RunFolder.WriteFormat(runDir, saved);
        }
        ct.ThrowIfCancellationRequested();

        // ---- text: segment (cached), hold out validation if there is none, vocabulary on train, encode
        var vocabPath = Path.Combine(runDir, RunFolder.VocabularyFile);
        using var data = Prepare(corpus, fingerprint, effective, cacheDir, build =>
        {
            if (resume && File.Exists(vocabPath)) return Vocabulary.Load(vocabPath);
            var built = build();
            built.Save(vocabPath);
            return built;
        }, progress, ct);
        var (classes, train, val, test) = (data.Classes, data.Train, data.Val, data.Test);
        RunFolder.WriteLabels(runDir, classes);
        ct.ThrowIfCancellationRequested();

        if (effective.Model.Kind == ModelKind.Linear) return RunLinear(runDir, saved, effective, data, resume, progress, ct);

        // ---- diagnose before training: checks on options and data, then a watcher for the run (docs/training.md)
        var log = DiagnosisLog.Open(runDir, resume);
        foreach (var finding in log.Add(PreTrainingChecks.Run(ChecksInput(data, effective)))) progress?.Report(finding.ToProgress());
        var watcher = new TrainingWatcher(WatchContext.For(effective, classes, train, ReadsLastStep(effective), data.TrainOrderedByLabel));

        // ---- train
        using var model = ModelFactory.Create(effective.Model, data.Vocabulary.Count, classes.Count, effective.Optimizer.Seed);
        // Until the first checkpoint the run starts from its initial weights, pretrained vectors included; after it, the
        // checkpoint holds them.
        if (effective.Model.Embeddings is { } vectorsPath && !File.Exists(Path.Combine(runDir, RunFolder.CheckpointFile)))
            LoadPretrainedVectors(model, vectorsPath, data.Vocabulary, runDir, progress);
        var trainerProgress = reportWatcherFindings || progress is null ? progress : new WithoutFindings(progress);
        var summary = Trainer.Train(model, train, val, effective, runDir, resume, trainerProgress, ct,
            new TrainingDiagnosis(watcher, log, trainerProgress, val.Labels, classes.Count));

        // ---- evaluate the best weights (the trainer leaves them in the model) and draw the curves
        ClassificationReport? report = null;
        if (test.Count > 0)
        {
            report = Evaluate(model, test, classes, effective.Optimizer.BatchSize, progress, ct);
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.TestReportText), report.ToText());
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.TestReportJson), report.ToJson());
            ConfusionMatrixPlot.Save(report, Path.Combine(runDir, RunFolder.ConfusionPng));
            summary = summary with { TestAccuracy = report.Accuracy, TestMacroF1 = report.MacroAverage.F1 };
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), Json.Serialize(summary));
        }
        else progress?.Report(new ProgressUpdate("evaluate", 0, 0, "the corpus has no test documents: no test report"));
        SaveCurve(runDir, train.Count, effective.Optimizer.BatchSize, classes.Count);
        RunFolder.MarkFinished(runDir, summary);

        return new TrainingJobResult(runDir, saved, summary, report, data.ValCarvedFromTrain) { Findings = log.Findings.ToList() };
    }

    /// <summary>
    /// The linear model's training: the whole documents' tokens (not the encoded rows), no epochs, no checkpoints; the
    /// pre-training checks are about sequences and gradients, so they are not run. A finished fit is never redone.
    /// </summary>
    private static TrainingJobResult RunLinear(string runDir, TrainOptions saved, TrainOptions effective, PreparedData data,
        bool resume, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        if (resume && File.Exists(Path.Combine(runDir, RunFolder.LinearModelFile)))
            throw UserInputException.At(runDir, null, "holds a finished linear model; there is nothing to resume. Train into a new folder");
        // The fit holds its documents' rows (their tokens stream from disk): a seeded sample beyond Tfidf.LinearSample.MaxTrainTokens.
        var (read, trainCount, valCount) = data.LinearDocuments(Tfidf.LinearSample.MaxTrainTokens, effective.Optimizer.Seed);
        var sampled = trainCount < data.Train.Count;
        if (sampled)
            progress?.Report(new ProgressUpdate("split", trainCount, data.Train.Count,
                $"linear: the fit reads a seeded sample of {trainCount:N0} of the {data.Train.Count:N0} training documents (up to {Tfidf.LinearSample.MaxTrainTokens:N0} tokens) and {valCount:N0} of the {data.Val.Count:N0} validation documents, to bound its memory"));
        var (summary, model) = Tfidf.LinearJob.Train(runDir, effective, data.Classes, read, progress, ct);
        // The fit's rows and the solver's weights (a gigabyte at the sample's bound) are garbage now, but no collection
        // may come before the test split is scored beside them: the run's peak (docs/benchmarks.md, "Memory at scale").
        Tfidf.LinearTrainer.ReleaseGarbage();
        if (sampled)
        {
            summary = summary with { SampledFromTrainDocs = data.Train.Count, SampledFromValDocs = data.Val.Count };
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), Json.Serialize(summary));
        }
        ClassificationReport? report = null;
        var testCount = data.Test.Count;
        if (testCount > 0)
        {
            report = Tfidf.LinearJob.Evaluate(model, data.Classes, data.TestDocuments());
            progress?.Report(new ProgressUpdate("evaluate", testCount, testCount,
                $"test accuracy {report.Accuracy:P2}, macro F1 {report.MacroAverage.F1:F4} ({testCount:N0} documents)"));
            summary = WriteTestReport(runDir, summary, report);
        }
        else progress?.Report(new ProgressUpdate("evaluate", 0, 0, "the corpus has no test documents: no test report"));
        SaveCurve(runDir, data.Train.Count, effective.Optimizer.BatchSize, data.Classes.Count);
        RunFolder.MarkFinished(runDir, summary);
        return new TrainingJobResult(runDir, saved, summary, report, data.ValCarvedFromTrain);
    }

    /// <summary>Every value (<see cref="ModelSpecs.Validate"/>), and the pretrained vectors' file, before any corpus is opened.</summary>
    private static void ValidateOptions(TrainOptions options)
    {
        ModelSpecs.Validate(options);
        if (options.Model.Embeddings is { } vectors && !File.Exists(vectors))
            throw UserInputException.At(Path.GetFullPath(vectors), null, "word vector file not found. Give a word2vec/GloVe text file (plain or .gz)");
    }

    /// <summary>Writes the test report files and the confusion plot, and adds the test scores to summary.json.</summary>
    internal static TrainingSummary WriteTestReport(string runDir, TrainingSummary summary, ClassificationReport report)
    {
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.TestReportText), report.ToText());
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.TestReportJson), report.ToJson());
        ConfusionMatrixPlot.Save(report, Path.Combine(runDir, RunFolder.ConfusionPng));
        summary = summary with { TestAccuracy = report.Accuracy, TestMacroF1 = report.MacroAverage.F1 };
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.SummaryFile), Json.Serialize(summary));
        return summary;
    }

    /// <summary>
    /// The checks made before training (<see cref="PreTrainingChecks"/>) on the corpus at <paramref name="dataPath"/>
    /// read with <paramref name="options"/>, without training and without writing a run folder: corpus, segmentation
    /// (cached), the held-out validation if needed, vocabulary on train, encoding, exactly as <see cref="Run"/> would.
    /// </summary>
    public static IReadOnlyList<Finding> CheckData(string dataPath, TrainOptions options, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        ValidateOptions(options);
        var corpus = Corpus.Open(dataPath, options.Corpus);
        using var data = Prepare(corpus, corpus.Fingerprint(), options, cacheDir, build => build(), progress, ct);
        return PreTrainingChecks.Run(ChecksInput(data, options));
    }

    /// <summary>
    /// The validation and test documents of a finished run in <paramref name="runDir"/> as its training saw them: the
    /// corpus read with the run's options and recorded split, segmented (from the cache), validation held out from train
    /// when the corpus has none.
    /// </summary>
    internal static (IReadOnlyList<string> Classes, IReadOnlyList<TokenizedDocument> Val, IReadOnlyList<TokenizedDocument> Test) SegmentedSplits(
        string dataPath, string runDir, string? cacheDir, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        var options = RunFolder.ReadOptions(runDir);
        var plain = Corpus.Open(dataPath, options.Corpus);
        var fingerprint = plain.Fingerprint();
        var splitsPath = Path.Combine(runDir, RunFolder.SplitsFile);
        var corpus = !plain.HasOwnSplits && File.Exists(splitsPath) ? Corpus.Open(dataPath, options.Corpus, splitsPath) : plain;
        // Only validation and test come into memory; the training documents stay on disk (read once when validation is
        // held out of them, keeping just those).
        using var segmented = Segmentation.Open(corpus.Read, corpus.Classes, fingerprint, ResolveTokenizerFiles(options.Tokenizer, runDir), cacheDir, progress, ct);
        List<TokenizedDocument> val;
        if (segmented.Count(Split.Val) == 0 && segmented.Count(Split.Train) > 0)
        {
            var held = CarvedRows(segmented.Labels(Split.Train).Select(l => segmented.LabelTable[l]).ToArray(), options.Corpus.SplitSeed, CarvedValFraction);
            val = segmented.Read(Split.Train).Where((_, i) => held[i]).Select(segmented.ToTokenized).ToList();
        }
        else val = segmented.Read(Split.Val).Select(segmented.ToTokenized).ToList();
        return (segmented.Classes, val, segmented.Read(Split.Test).Select(segmented.ToTokenized).ToList());
    }

    /// <summary>Passes on every update but the findings.</summary>
    private sealed class WithoutFindings(IProgress<ProgressUpdate> inner) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value)
        {
            if (value is not FindingUpdate) inner.Report(value);
        }
    }

    /// <summary>
    /// A corpus segmented (on disk), split and encoded (rows on disk), with what the pre-training checks need besides.
    /// Disposing it closes the row files (and deletes a segmentation that was not cached).
    /// </summary>
    internal sealed class PreparedData(IReadOnlyList<string> classes, SegmentedCorpus segmented, bool[]? heldOut, EncodedCorpus encoded)
        : IDisposable
    {
        public IReadOnlyList<string> Classes => classes;
        public Vocabulary Vocabulary => encoded.Vocabulary;
        public EncodedDataset Train => encoded.Train;
        public EncodedDataset Val => encoded.Val;
        public EncodedDataset Test => encoded.Test;
        public EncodedCorpus Encoded => encoded;
        public bool ValCarvedFromTrain => heldOut is not null;

        /// <summary>The corpus inspector's "ordered by label" judgement, on the training documents in the order the trainer reads them.</summary>
        public bool TrainOrderedByLabel =>
            CorpusInspector.IsOrderedByLabel(PreTrainingChecks.LabelRuns(Train.Labels), Train.Labels.Distinct().Count(), Train.Count);

        /// <summary>
        /// The linear fit's documents, split as <see cref="Train"/> and <see cref="Val"/> are, read from the segmentation
        /// on disk each time the returned function is called: all of them, or a seeded sample when the training tokens
        /// exceed <paramref name="maxTrainTokens"/> (<see cref="Tfidf.LinearSample"/>), with the counts it reads.
        /// </summary>
        public (Func<IEnumerable<Tfidf.LinearDocument>> Read, int TrainCount, int ValCount) LinearDocuments(long maxTrainTokens, int seed)
        {
            var trainChosen = Tfidf.LinearSample.Choose(encoded.RawTrainLengths, maxTrainTokens, seed);
            var rate = trainChosen.Count(c => c) / (double)Math.Max(1, trainChosen.Length);
            var valChosen = Tfidf.LinearSample.AtRate(Val.Count, rate, seed + 1);
            var classList = classes.ToList();
            var classIndex = segmented.LabelTable.Select(label => classList.IndexOf(label)).ToArray();
            Tfidf.LinearDocument Linear(SegmentedDocument doc, bool validation) =>
                new(segmented.ToTokenized(doc).Tokens, classIndex[doc.Label], validation);

            IEnumerable<Tfidf.LinearDocument> Read()
            {
                int index = 0, t = 0, v = 0;
                foreach (var doc in segmented.Read(Split.Train))
                {
                    if (heldOut is not null && heldOut[index++])
                    {
                        if (valChosen[v++]) yield return Linear(doc, validation: true);
                    }
                    else if (trainChosen[t++]) yield return Linear(doc, validation: false);
                }
                if (heldOut is null)
                    foreach (var doc in segmented.Read(Split.Val))
                        if (valChosen[v++]) yield return Linear(doc, validation: true);
            }
            return (Read, trainChosen.Count(c => c), valChosen.Count(c => c));
        }

        /// <summary>The test documents, read from the segmentation on disk as they are enumerated.</summary>
        public IEnumerable<TokenizedDocument> TestDocuments() => segmented.Read(Split.Test).Select(segmented.ToTokenized);

        public void Dispose()
        {
            encoded.Dispose();
            segmented.Dispose();
        }
    }

    /// <summary>Pool "last" reads the final row position (<c>r_out[:, -1, :]</c>), padding included.</summary>
    private static bool ReadsLastStep(TrainOptions options) => ModelFactory.ReadsLastColumn(options.Model);

    private static PreTrainingInput ChecksInput(PreparedData data, TrainOptions options) => new()
    {
        Options = options, Train = data.Train, Val = data.Val, Classes = data.Classes,
        RawTrainLengths = data.Encoded.RawTrainLengths,
        CorpusOrderedByLabel = data.TrainOrderedByLabel,
        TrainUnknownRate = data.Encoded.TrainUnknownRate,
        ValUnknownRate = data.Encoded.ValUnknownRate,
        VocabularySize = data.Vocabulary.Count,
        ReadsLastStep = ReadsLastStep(options),
    };

    /// <summary>
    /// Segments <paramref name="corpus"/> (cached), holds out validation if it has none, gets the vocabulary from
    /// <paramref name="vocabularyFor"/> (given a function that counts it on train) and encodes train, val and test, all
    /// in streaming passes over files on disk (<see cref="Segmentation.Open(Func{Split, IEnumerable{Document}}, IReadOnlyList{string}, string, TokenizerOptions, string?, IProgress{ProgressUpdate}?, CancellationToken)"/>,
    /// <see cref="CorpusEncoding"/>), so memory does not grow with the corpus.
    /// </summary>
    private static PreparedData Prepare(Corpus corpus, string fingerprint, TrainOptions effective, string? cacheDir,
        Func<Func<Vocabulary>, Vocabulary> vocabularyFor, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        var segmented = Segmentation.Open(corpus.Read, corpus.Classes, fingerprint, effective.Tokenizer, cacheDir, progress, ct);
        try
        {
            var classes = segmented.Classes;
            bool[]? heldOut = null;
            var trainCount = segmented.Count(Split.Train);
            var valCount = segmented.Count(Split.Val);
            if (valCount == 0 && trainCount > 0)
            {
                var labels = segmented.Labels(Split.Train).Select(l => segmented.LabelTable[l]).ToArray();
                heldOut = CarvedRows(labels, effective.Corpus.SplitSeed, CarvedValFraction);
                valCount = heldOut.Count(held => held);
                trainCount -= valCount;
                progress?.Report(new ProgressUpdate("split", valCount, valCount,
                    $"the corpus has no validation documents: holding out a stratified {CarvedValFraction:P0} of train ({valCount} documents, seed {effective.Corpus.SplitSeed}) as validation"));
            }
            if (trainCount == 0) throw UserInputException.At(corpus.Path, null, "has no training documents. Check the corpus layout and the split fractions");

            var rowFolder = Path.GetDirectoryName(segmented.Path)!;
            var encoded = CorpusEncoding.Encode(segmented, classes, heldOut, vocabularyFor, effective.Vocabulary, effective.Encoding,
                corpus.Path, rowFolder, ct);
            progress?.Report(new ProgressUpdate("encode", 1, 1,
                $"{classes.Count} classes, vocabulary {encoded.Vocabulary.Count:N0}, documents train {encoded.Train.Count:N0} / val {encoded.Val.Count:N0} / test {encoded.Test.Count:N0}, max length {effective.Encoding.MaxLen}"));
            return new PreparedData(classes, segmented, heldOut, encoded);
        }
        catch
        {
            segmented.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the pretrained vectors of the vocabulary's words into the model, reports their coverage and records it in
    /// embeddings.json.
    /// </summary>
    private static void LoadPretrainedVectors(TextClassifierModel model, string path, Vocabulary vocabulary, string runDir,
        IProgress<ProgressUpdate>? progress)
    {
        progress?.Report(new ProgressUpdate("embeddings", 0, null, $"reading word vectors from {path}"));
        var vectors = WordVectors.Read(path, vocabulary, model.Options.EmbeddingDim);
        model.LoadWordVectors(vectors);
        var c = vectors.Coverage;
        var record = new EmbeddingsRecord(vectors.Path, vectors.Dimension, vectors.VectorsInFile, c.Words, c.Found, c.WordShare, c.TokenShare,
            model.Options.FreezeEmbeddings);
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.EmbeddingsFile), Json.Serialize(record));
        progress?.Report(new ProgressUpdate("embeddings", 1, 1,
            $"word vectors: {c.Found:N0} of {c.Words:N0} vocabulary words ({c.WordShare:P1}), {c.TokenShare:P1} of the training tokens; " +
            $"{vectors.VectorsInFile:N0} vectors of dimension {vectors.Dimension} in the file{(model.Options.FreezeEmbeddings ? "; frozen" : "")}"));
    }


    /// <summary>Copies the user dictionary and stop-word list into the run folder, so the run folder is self-contained.</summary>
    private static TokenizerOptions CopyTokenizerFiles(TokenizerOptions tokenizer, string runDir)
    {
        string? Copy(string? source, string name, string what)
        {
            if (source is null) return null;
            var full = Path.GetFullPath(source);
            if (!File.Exists(full)) throw UserInputException.At(full, null, $"{what} does not exist. Give an existing file");
            var target = Path.Combine(runDir, name);
            if (full != target) AtomicFile.WriteAllBytes(target, File.ReadAllBytes(full));
            return name;
        }
        return tokenizer with
        {
            UserDictionary = Copy(tokenizer.UserDictionary, RunFolder.UserDictionaryFile, "user dictionary"),
            StopWords = Copy(tokenizer.StopWords, RunFolder.StopWordsFile, "stop-word list"),
        };
    }

    private static TokenizerOptions ResolveTokenizerFiles(TokenizerOptions tokenizer, string runDir) => tokenizer with
    {
        UserDictionary = RunFolder.ResolveInside(runDir, tokenizer.UserDictionary, "user_dictionary"),
        StopWords = RunFolder.ResolveInside(runDir, tokenizer.StopWords, "stop_words"),
    };

    /// <summary>
    /// Holds out <paramref name="fraction"/> of each class of <paramref name="train"/> (at least one document of a class
    /// with two or more), chosen by a generator seeded with the seed and the class name. Both parts keep reading order.
    /// </summary>
    internal static (IReadOnlyList<TokenizedDocument> Train, IReadOnlyList<TokenizedDocument> Val) CarveValidation(
        IReadOnlyList<TokenizedDocument> train, int seed, double fraction)
    {
        var held = CarvedRows(train.Select(d => d.Label).ToArray(), seed, fraction);
        var kept = new List<TokenizedDocument>();
        var val = new List<TokenizedDocument>();
        for (var i = 0; i < train.Count; i++) (held[i] ? val : kept).Add(train[i]);
        return (kept, val);
    }

    /// <summary>Which of the training documents (given by their labels, in reading order) <see cref="CarveValidation"/> holds out.</summary>
    internal static bool[] CarvedRows(IReadOnlyList<string> labels, int seed, double fraction)
    {
        var held = new bool[labels.Count];
        var byClass = Enumerable.Range(0, labels.Count).GroupBy(i => labels[i], StringComparer.Ordinal);
        foreach (var group in byClass)
        {
            var indices = group.ToArray();
            if (indices.Length < 2) continue;
            new Random(StableSeed(seed, group.Key)).Shuffle(indices);
            var take = Math.Max(1, (int)Math.Round(indices.Length * fraction, MidpointRounding.AwayFromZero));
            foreach (var i in indices.Take(take)) held[i] = true;
        }
        return held;
    }

    /// <summary>FNV-1a over the class name mixed with the seed: stable across runs and .NET versions.</summary>
    private static int StableSeed(int seed, string label)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in label) { hash ^= c; hash *= 16777619u; }
        return (int)(hash & 0x7FFFFFFF);
    }

    /// <summary>Predicts the test split a slice at a time, so the caller sees progress on a large test set.</summary>
    private static ClassificationReport Evaluate(TextClassifierModel model, EncodedDataset test, IReadOnlyList<string> classes,
        int batchSize, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        const int Slice = 2048;
        var predicted = new int[test.Count];
        progress?.Report(new ProgressUpdate("evaluate", 0, test.Count));
        for (var start = 0; start < test.Count; start += Slice)
        {
            ct.ThrowIfCancellationRequested();
            var count = Math.Min(Slice, test.Count - start);
            var slice = test.Slice(start, count);
            Predictor.PredictLabels(model, slice, batchSize).CopyTo(predicted, start);
            progress?.Report(new ProgressUpdate("evaluate", start + count, test.Count));
        }
        var report = ClassificationReport.Compute(test.Labels, predicted, classes);
        progress?.Report(new ProgressUpdate("evaluate", test.Count, test.Count,
            $"test accuracy {report.Accuracy:P2}, macro F1 {report.MacroAverage.F1:F4} ({test.Count:N0} documents, best epoch's weights)"));
        return report;
    }

    /// <summary>curve.png from metrics.jsonl: step losses placed at their fraction of an epoch.</summary>
    internal static void SaveCurve(string runDir, int trainCount, int batchSize, int numClasses)
    {
        var (steps, epochs) = MetricsLog.Read(Path.Combine(runDir, RunFolder.MetricsFile));
        if (epochs.Count == 0) return;
        var stepsPerEpoch = (trainCount + batchSize - 1) / batchSize;
        var stepPoints = steps.Select(s =>
            new StepPoint(s.Epoch - 1 + (double)(s.Step - (long)(s.Epoch - 1) * stepsPerEpoch) / stepsPerEpoch, s.Loss)).ToList();
        var epochPoints = epochs.Select(e => new EpochPoint(e.Epoch, e.TrainLoss, e.ValLoss, e.TrainAccuracy, e.ValAccuracy)).ToList();
        TrainingCurvePlot.Save(Path.Combine(runDir, RunFolder.CurvePng), epochPoints, stepPoints, numClasses);
    }
}

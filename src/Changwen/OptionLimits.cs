using System.Globalization;

namespace Changwen;

/// <summary>
/// One check of every <see cref="TrainOptions"/> value, made before any corpus is opened (train, diagnose, every run of
/// an experiment plan) and again whenever options.json is read back from a run folder, so that neither a mistyped flag
/// nor a doctored file reaches a tensor allocation. The upper limits sit far above any setting that trains on one machine
/// (the experiments use at most 3,000 words and 50,000 vocabulary entries) and far below what would exhaust memory: a
/// forward pass holds about batch × max length × embedding floats, which at the limits below is what a prediction batch of
/// <see cref="Bundle.TextClassifier.DefaultBatchSize"/> texts can afford. docs/training.md lists them.
/// </summary>
public static class OptionLimits
{
    /// <summary>Most words per document (about 35,000 Chinese characters of news text).</summary>
    public const int MaxLen = 20_000;
    public const int MaxVocab = 10_000_000;
    public const int MaxDimension = 4_096;
    public const int MaxLayers = 16;
    public const int MaxKernel = 1_000;
    public const int MaxNgramBuckets = 10_000_000;
    public const int MaxBatchSize = 65_536;
    public const int MaxEpochs = 100_000;
    public const int MaxThreads = 1_024;
    public const double MaxLr = 10;

    /// <summary>Throws one <see cref="UserInputException"/> naming the first bad flag and its allowed range.</summary>
    public static void Validate(TrainOptions options) => Check(options, fromFile: false);

    /// <summary>The same checks on options read from <paramref name="path"/> (options.json): the message names the file and its keys.</summary>
    public static void ValidateSaved(TrainOptions options, string path)
    {
        try
        {
            Check(options, fromFile: true);
        }
        catch (UserInputException e)
        {
            throw UserInputException.At(path, null, $"{e.Message}. Restore the options.json of the training run");
        }
    }

    private static void Check(TrainOptions o, bool fromFile)
    {
        if (o.Corpus is null || o.Tokenizer is null || o.Vocabulary is null || o.Encoding is null || o.Model is null || o.Optimizer is null)
            throw new UserInputException("a section (corpus, tokenizer, vocabulary, encoding, model or optimizer) is missing");
        string Name(string flag, string key) => fromFile ? key : flag;
        void Range(long value, long min, long max, string flag, string key, string hint)
        {
            if (value < min || value > max)
                throw new UserInputException(string.Create(CultureInfo.InvariantCulture,
                    $"{Name(flag, key)} {value} is outside {min:N0}..{max:N0}{(fromFile ? "" : $". {hint}")}"));
        }
        void Defined<T>(T value, string flag, string key) where T : struct, Enum
        {
            if (!Enum.IsDefined(value)) throw new UserInputException($"{Name(flag, key)} '{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
        }
        void Number(double value, bool ok, string flag, string key, string range)
        {
            if (!ok) throw new UserInputException(string.Create(CultureInfo.InvariantCulture, $"{Name(flag, key)} {value} must be {range}"));
        }

        var c = o.Corpus;
        if (c.Format is { } format) Defined(format, "--format", "format");
        Number(c.ValFraction, c.ValFraction is >= 0 and < 1, "val fraction", "val_fraction", "at least 0 and below 1");
        Number(c.TestFraction, c.TestFraction is >= 0 and < 1 && c.ValFraction + c.TestFraction < 1, "test fraction", "test_fraction",
            "at least 0 and leave documents for training with the validation fraction");

        Defined(o.Tokenizer.Kind, "--tokenizer", "kind");
        Defined(o.Tokenizer.Normalize, "--normalize", "normalize");
        Range(o.Tokenizer.Version, 1, TokenizerOptions.CurrentVersion, "tokenizer version", "version", "");
        Range(o.Vocabulary.MinCount, 1, int.MaxValue, "--min-count", "min_count", "Pass e.g. 1");
        if (o.Vocabulary.MaxVocab != 0) Range(o.Vocabulary.MaxVocab, 3, MaxVocab, "--max-vocab", "max_vocab", "Pass 0 (no limit) or e.g. 50000; 3 is the least (<pad>, <unk> and a word)");

        Range(o.Encoding.MaxLen, 1, MaxLen, "--max-len", "max_len", "Pass e.g. 500 (words kept per document)");
        Defined(o.Encoding.Truncate, "--truncate", "truncate");
        Defined(o.Encoding.Pad, "--pad", "pad");

        var m = o.Model;
        Defined(m.Kind, "--model", "kind");
        Defined(m.Init, "--init", "init");
        Defined(m.Pool, "--pool", "pool");
        Range(m.EmbeddingDim, 1, MaxDimension, "--embedding-dim", "embedding_dim", "Pass e.g. 128");
        Range(m.HiddenDim, 1, MaxDimension, "--hidden-dim", "hidden_dim", "Pass e.g. 128");
        Range(m.LayerDim, 1, MaxLayers, "--layers", "layer_dim", "Pass e.g. 1");
        Range(m.KernelSize, 1, MaxKernel, "--kernel-size", "kernel_size", "Pass e.g. 3");
        Range(m.PkernelSize, 1, MaxKernel, "--pool-kernel", "pkernel_size", "Pass e.g. 10");
        if (m.ForgetBias is { } bias) Number(bias, double.IsFinite(bias), "--forget-bias", "forget_bias", "a finite number or none");
        Number(m.Dropout, m.Dropout is >= 0 and < 1, "--dropout", "dropout", "at least 0 and below 1 (e.g. 0.5, or 0 for none)");
        Range(m.WordNgrams, 1, 2, "--word-ngrams", "word_ngrams", "Pass 1 (words) or 2 (words and bigrams)");
        Range(m.NgramBuckets, 1, MaxNgramBuckets, "--ngram-buckets", "ngram_buckets", "Pass e.g. 20000");
        Range(m.Filters, 1, MaxDimension, "--filters", "filters", "Pass e.g. 100");
        if (m.Kind == ModelKind.Textcnn)
            foreach (var width in m.ParseFilterWidths())
                Range(width, 1, MaxKernel, "--filter-widths", "filter_widths", "Pass e.g. 2,3,4");

        var p = o.Optimizer;
        Number(p.Lr, p.Lr > 0 && p.Lr <= MaxLr, "--lr", "lr", $"above 0 and at most {MaxLr} (e.g. 0.001)");
        Range(p.BatchSize, 1, MaxBatchSize, "--batch-size", "batch_size", "Pass e.g. 64");
        Range(p.Epochs, 1, MaxEpochs, "--epochs", "epochs", "Pass e.g. 10");
        Range(p.Threads, 0, MaxThreads, "--threads", "threads", "Pass 0 (every core) or a core count");
        Range(p.Patience, 0, int.MaxValue, "--patience", "patience", "Pass 0 (never stop early) or e.g. 3");
        if (p.ClipGradNorm is { } clip) Number(clip, clip > 0 && double.IsFinite(clip), "--clip-grad-norm", "clip_grad_norm", "above 0 (e.g. 1) or none");
        Defined(p.ClassWeight, "--class-weight", "class_weight");
        Defined(p.Sampler, "--sampler", "sampler");
        if (p.Sampler == SamplerKind.Balanced && p.ClassWeight == ClassWeighting.Balanced)
            throw new UserInputException("--sampler balanced and --class-weight balanced both correct the class imbalance, and together over-correct it. Use one of them");
        if (p.Sampler == SamplerKind.Balanced && !p.Shuffle)
            throw new UserInputException("--sampler balanced draws documents in random order, so it cannot train in dataset order. Drop --no-shuffle or the sampler");
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Changwen.Data;
using Changwen.IO;
using Changwen.Models;

namespace Changwen.Cli;

/// <summary>
/// The flags that build a <see cref="TrainOptions"/>, declared once so that train, inspect, diagnose and experiment
/// spell them the same way. Defaults come from the options records, so the help text never disagrees with the library.
/// </summary>
public sealed class CliOptions
{
    private static readonly TrainOptions D = new();

    // Corpus
    public readonly Option<CorpusFormat?> Format = Enum<CorpusFormat>("--format", "Corpus layout (default: detected).");
    public readonly Option<string?> Encoding = new("--encoding") { Description = "Text encoding: utf-8, gb18030 or gbk (default: detected per file)." };
    public readonly Option<string?> TextColumn = new("--text-column") { Description = "CSV/JSON field holding the text (default: content, then text)." };
    public readonly Option<string?> LabelColumn = new("--label-column") { Description = "CSV/JSON field holding the label (default: category, then label)." };
    public readonly Option<int> SplitSeed = new("--split-seed") { Description = "Seed of the stratified train/val/test split made when the corpus has none.", DefaultValueFactory = _ => D.Corpus.SplitSeed };

    // Tokenizer and vocabulary
    public readonly Option<TokenizerKind?> Tokenizer = Enum<TokenizerKind>("--tokenizer", "word (jieba, default) or char.");
    public readonly Option<string?> UserDict = new("--user-dict") { Description = "jieba user dictionary file." };
    public readonly Option<string?> StopWords = new("--stop-words") { Description = "Stop-word list, one word per line." };
    public readonly Option<TextNormalization?> Normalize = Enum<TextNormalization>("--normalize",
        $"Unicode normalisation of every text before tokenizing, in training and prediction: none, or nfkc (full-width letters, digits and punctuation to ASCII, compatibility forms folded) (default: {Kebab(D.Tokenizer.Normalize)}).");
    public readonly Option<int> MinCount = new("--min-count") { Description = "Drop words seen fewer times in train.", DefaultValueFactory = _ => D.Vocabulary.MinCount };
    public readonly Option<int> MaxVocab = new("--max-vocab") { Description = "Keep at most this many words (0 = all).", DefaultValueFactory = _ => D.Vocabulary.MaxVocab };

    // Encoding
    public readonly Option<int> MaxLen = new("--max-len") { Description = "Words kept per document.", DefaultValueFactory = _ => D.Encoding.MaxLen };
    public readonly Option<TruncateSide?> Truncate = Enum<TruncateSide>("--truncate", "Keep the head (default) or the tail of long documents.");
    public readonly Option<PadSide?> Pad = Enum<PadSide>("--pad", "Pad after (post, default) or before (pre) the words.");

    // Model
    public readonly Option<ModelKind?> Model = Enum<ModelKind>("--model",
        string.Join(", ", ModelSpecs.All.Select(s => s.Summary).SkipLast(1)) + " or " + ModelSpecs.All[^1].Summary + ". " +
        "Each model has its own measured defaults; flags given override them.");
    public readonly Option<int> EmbeddingDim = new("--embedding-dim") { Description = "Word embedding size.", DefaultValueFactory = _ => D.Model.EmbeddingDim };
    public readonly Option<int> HiddenDim = new("--hidden-dim") { Description = "LSTM hidden size (per direction).", DefaultValueFactory = _ => D.Model.HiddenDim };
    public readonly Option<int> Layers = new("--layers") { Description = "Stacked LSTM layers (layer_dim).", DefaultValueFactory = _ => D.Model.LayerDim };
    public readonly Option<InitKind?> Init = Enum<InitKind>("--init", $"LSTM weight init: default or orthogonal (default: {Kebab(D.Model.Init)}).");
    public readonly Option<int> KernelSize = new("--kernel-size") { Description = "MergeNet Conv1d kernel width.", DefaultValueFactory = _ => D.Model.KernelSize };
    public readonly Option<int> PoolKernel = new("--pool-kernel") { Description = "MergeNet MaxPool1d kernel (pkernel_size).", DefaultValueFactory = _ => D.Model.PkernelSize };
    public readonly Option<PoolKind?> Pool = Enum<PoolKind>("--pool",
        $"How LSTM outputs become the classifier input: last (final column, pads included), true-last (each document's last word), mean, max or attention over the words (default: {Kebab(D.Model.Pool)}).");
    public readonly Option<double?> ForgetBias = NumberOrNone("--forget-bias",
        $"Initial LSTM forget-gate bias (bias_ih + bias_hh in the forget slice); none = libtorch's init, as in the original post (default: {D.Model.ForgetBias?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).");
    public readonly Option<bool> Bidirectional = new("--bidirectional") { Description = "Bidirectional LSTM." };
    public readonly Option<double> Dropout = new("--dropout") { Description = $"Dropout on the classifier's input features, every network (0 = none) (default: {ModelDefaults.Describe(o => o.Model.Dropout)}).", DefaultValueFactory = _ => D.Model.Dropout };
    public readonly Option<double?> C = new("--C") { Description = "linear: inverse regularisation strength, as scikit-learn's C (default: chosen on the validation split from 1, 10, 100)." };
    public readonly Option<LinearForm?> LinearForm = Enum<LinearForm>("--linear-form",
        "linear: one-vs-rest (a binary logistic regression per class, as scikit-learn's liblinear, fitted by dual coordinate descent) or multinomial (one softmax, fitted by L-BFGS) (default: one-vs-rest).");
    public readonly Option<int> MinDf = new("--min-df") { Description = "linear: a word or bigram is a feature when this many training documents hold it.", DefaultValueFactory = _ => D.Model.MinDf };
    public readonly Option<int> MaxChars = new("--max-chars") { Description = "linear: characters of a document read at most (a bound against pathological inputs, not a cut of normal documents).", DefaultValueFactory = _ => D.Model.MaxChars };
    public readonly Option<double> TimeBudget = new("--time-budget") { Description = "auto: minutes the candidate search may take; linear always runs, fasttext unless no time is left, textcnn and lstm only when their estimated time fits; a candidate still training when the budget ends keeps its finished epochs.", DefaultValueFactory = _ => D.Model.TimeBudget };
    public readonly Option<int> WordNgrams = new("--word-ngrams") { Description = "fasttext: 1 = words, 2 = words and hashed word bigrams.", DefaultValueFactory = _ => D.Model.WordNgrams };
    public readonly Option<int> NgramBuckets = new("--ngram-buckets") { Description = "fasttext: rows of the hashed bigram table.", DefaultValueFactory = _ => D.Model.NgramBuckets };
    public readonly Option<string> FilterWidths = new("--filter-widths") { Description = "textcnn: Conv1d filter widths in words, comma-separated.", HelpName = "N,N,...", DefaultValueFactory = _ => D.Model.FilterWidths };
    public readonly Option<int> Filters = new("--filters") { Description = "textcnn: filters per width.", DefaultValueFactory = _ => D.Model.Filters };
    public readonly Option<string?> Embeddings = new("--embeddings") { Description = "Pretrained word vectors (word2vec/GloVe text, plain or .gz) of dimension --embedding-dim, copied into the word embeddings." };
    public readonly Option<bool> FreezeEmbeddings = new("--freeze-embeddings") { Description = "Keep the pretrained word embeddings fixed (needs --embeddings)." };

    // Optimizer
    public readonly Option<double> Lr = new("--lr") { Description = $"Adam learning rate (default: {ModelDefaults.Describe(o => o.Optimizer.Lr)}).", DefaultValueFactory = _ => D.Optimizer.Lr };
    public readonly Option<int> BatchSize = new("--batch-size") { Description = "Documents per mini-batch.", DefaultValueFactory = _ => D.Optimizer.BatchSize };
    public readonly Option<int> Epochs = new("--epochs") { Description = $"Training epochs (default: {ModelDefaults.Describe(o => o.Optimizer.Epochs)}).", DefaultValueFactory = _ => D.Optimizer.Epochs };
    public readonly Option<int> Seed = new("--seed") { Description = "Seed of the initial weights and the shuffles.", DefaultValueFactory = _ => D.Optimizer.Seed };
    public readonly Option<int> Threads = ThreadsOption();
    public readonly Option<bool> NoShuffle = new("--no-shuffle") { Description = "Train in dataset order (label-sorted for folder corpora) instead of shuffling each epoch." };
    public readonly Option<int> Patience = new("--patience") { Description = "Stop after this many epochs without a better validation accuracy (0 = never).", DefaultValueFactory = _ => D.Optimizer.Patience };
    public readonly Option<double?> ClipGradNorm = NumberOrNone("--clip-grad-norm",
        $"Clip the gradients' joint L2 norm to this before each step; none = no clipping (default: {ModelDefaults.Describe(o => o.Optimizer.ClipGradNorm)}).");
    public readonly Option<bool> Bucket = new("--bucket")
    {
        Description = $"Batch documents of similar length together and cut each batch to its longest document; --bucket false batches in plain shuffled order (default: {ModelDefaults.Describe(o => o.Optimizer.Bucket)}).",
        DefaultValueFactory = _ => D.Optimizer.Bucket,
    };
    public readonly Option<ClassWeighting?> ClassWeight = Enum<ClassWeighting>("--class-weight",
        $"Weigh the classes in the training loss: none, or balanced = n / (C · n_class) (default: {Kebab(D.Optimizer.ClassWeight)}).");
    public readonly Option<SamplerKind?> Sampler = Enum<SamplerKind>("--sampler",
        $"Which documents an epoch trains on: none (each once), or balanced (as many draws, every class equally likely) (default: {Kebab(D.Optimizer.Sampler)}).");

    public void AddCorpusTo(Command c)
    {
        foreach (var o in new Option[] { Format, Encoding, TextColumn, LabelColumn, SplitSeed }) c.Options.Add(o);
    }

    public void AddTextTo(Command c)
    {
        foreach (var o in new Option[] { Tokenizer, UserDict, StopWords, Normalize, MinCount, MaxVocab, MaxLen, Truncate, Pad }) c.Options.Add(o);
    }

    public void AddModelTo(Command c)
    {
        foreach (var o in new Option[] { Model, EmbeddingDim, HiddenDim, Layers, Init, KernelSize, PoolKernel, Pool, ForgetBias, Bidirectional,
                     Dropout, WordNgrams, NgramBuckets, FilterWidths, Filters, Embeddings, FreezeEmbeddings, C, LinearForm, MinDf, MaxChars, TimeBudget })
            c.Options.Add(o);
    }

    public void AddOptimizerTo(Command c)
    {
        foreach (var o in new Option[] { Lr, BatchSize, Epochs, Seed, Threads, NoShuffle, Patience, ClipGradNorm, Bucket, ClassWeight, Sampler }) c.Options.Add(o);
    }

    /// <summary>Every flag that builds <see cref="TrainOptions"/>: what train, diagnose and experiment plans accept.</summary>
    public void AddTrainingTo(Command c)
    {
        AddCorpusTo(c);
        AddTextTo(c);
        AddModelTo(c);
        AddOptimizerTo(c);
    }

    public CorpusOptions Corpus(ParseResult r) => D.Corpus with
    {
        Format = r.GetValue(Format),
        Encoding = r.GetValue(Encoding),
        TextColumn = r.GetValue(TextColumn),
        LabelColumn = r.GetValue(LabelColumn),
        SplitSeed = r.GetValue(SplitSeed),
    };

    /// <summary>
    /// The options as given on the command line, on top of <paramref name="start"/> (a plan's), or else of the defaults
    /// of the model kind given (<see cref="ModelDefaults"/>; <paramref name="defaultKind"/> when --model is not given).
    /// </summary>
    public TrainOptions Bind(ParseResult r, TrainOptions? start = null, ModelKind defaultKind = ModelKind.Lstm)
    {
        var o = start ?? ModelDefaults.For(r.GetValue(Model) ?? defaultKind);
        return o with
        {
            Corpus = Corpus(r),
            Tokenizer = o.Tokenizer with
            {
                Kind = r.GetValue(Tokenizer) ?? o.Tokenizer.Kind,
                UserDictionary = r.GetValue(UserDict) ?? o.Tokenizer.UserDictionary,
                StopWords = r.GetValue(StopWords) ?? o.Tokenizer.StopWords,
                Normalize = r.GetValue(Normalize) ?? o.Tokenizer.Normalize,
            },
            Vocabulary = o.Vocabulary with { MinCount = r.GetValue(MinCount), MaxVocab = r.GetValue(MaxVocab) },
            Encoding = o.Encoding with
            {
                MaxLen = r.GetValue(MaxLen),
                Truncate = r.GetValue(Truncate) ?? o.Encoding.Truncate,
                Pad = r.GetValue(Pad) ?? o.Encoding.Pad,
            },
            Model = o.Model with
            {
                Kind = r.GetValue(Model) ?? o.Model.Kind,
                EmbeddingDim = Given(r, EmbeddingDim, o.Model.EmbeddingDim),
                HiddenDim = Given(r, HiddenDim, o.Model.HiddenDim),
                LayerDim = Given(r, Layers, o.Model.LayerDim),
                Init = r.GetValue(Init) ?? o.Model.Init,
                KernelSize = Given(r, KernelSize, o.Model.KernelSize),
                PkernelSize = Given(r, PoolKernel, o.Model.PkernelSize),
                Pool = r.GetValue(Pool) ?? o.Model.Pool,
                ForgetBias = GivenOrNone(r, ForgetBias, o.Model.ForgetBias),
                Bidirectional = r.GetValue(Bidirectional) || o.Model.Bidirectional,
                Dropout = Given(r, Dropout, o.Model.Dropout),
                WordNgrams = Given(r, WordNgrams, o.Model.WordNgrams),
                NgramBuckets = Given(r, NgramBuckets, o.Model.NgramBuckets),
                FilterWidths = Given(r, FilterWidths, o.Model.FilterWidths),
                Filters = Given(r, Filters, o.Model.Filters),
                Embeddings = r.GetValue(Embeddings) ?? o.Model.Embeddings,
                FreezeEmbeddings = r.GetValue(FreezeEmbeddings) || o.Model.FreezeEmbeddings,
                C = r.GetValue(C) ?? o.Model.C,
                LinearForm = r.GetValue(LinearForm) ?? o.Model.LinearForm,
                MinDf = Given(r, MinDf, o.Model.MinDf),
                MaxChars = Given(r, MaxChars, o.Model.MaxChars),
                TimeBudget = Given(r, TimeBudget, o.Model.TimeBudget),
            },
            Optimizer = o.Optimizer with
            {
                Lr = Given(r, Lr, o.Optimizer.Lr),
                BatchSize = Given(r, BatchSize, o.Optimizer.BatchSize),
                Epochs = Given(r, Epochs, o.Optimizer.Epochs),
                Seed = Given(r, Seed, o.Optimizer.Seed),
                Threads = Given(r, Threads, o.Optimizer.Threads),
                Shuffle = !r.GetValue(NoShuffle) && o.Optimizer.Shuffle,
                Patience = Given(r, Patience, o.Optimizer.Patience),
                ClipGradNorm = GivenOrNone(r, ClipGradNorm, o.Optimizer.ClipGradNorm),
                Bucket = Given(r, Bucket, o.Optimizer.Bucket),
                ClassWeight = r.GetValue(ClassWeight) ?? o.Optimizer.ClassWeight,
                Sampler = r.GetValue(Sampler) ?? o.Optimizer.Sampler,
            },
        };
    }

    /// <summary>The flag's value if it was typed, else <paramref name="start"/>'s (so a plan's setting survives the flag's default).</summary>
    private static T Given<T>(ParseResult r, Option<T> option, T start) =>
        r.GetResult(option) is { Implicit: false } ? r.GetValue(option)! : start;

    /// <summary>
    /// A number flag whose default is on, so it also takes <c>none</c> to switch it off: parsed as NaN (System.CommandLine
    /// cannot convert a custom parser's null), which <see cref="GivenOrNone"/> turns into null.
    /// </summary>
    private static Option<double?> NumberOrNone(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (text.Equals("none", StringComparison.OrdinalIgnoreCase)) return double.NaN;
            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                return value;
            result.AddError($"{name} takes a number or none, got '{text}'");
            return null;
        },
    };

    private static double? GivenOrNone(ParseResult r, Option<double?> option, double? start) =>
        r.GetResult(option) is { Implicit: false } ? r.GetValue(option) is { } v && !double.IsNaN(v) ? v : null : start;

    /// <summary><c>--cache DIR</c>, for every command that segments a corpus.</summary>
    public static Option<string?> CacheOption() =>
        new("--cache") { Description = "Segmentation cache folder (default: $CHANGWEN_CACHE, else ~/.cache/changwen; \"\" = none)." };

    /// <summary><c>--threads N</c>, for training and for the commands that only run a model (eval, predict).</summary>
    public static Option<int> ThreadsOption() =>
        new("--threads") { Description = "libtorch threads (0 = every core).", DefaultValueFactory = _ => D.Optimizer.Threads };

    /// <summary>An enum flag that accepts the kebab-case names the options files use (true-last, gb18030...).</summary>
    public static Option<T?> Enum<T>(string name, string description) where T : struct, System.Enum
    {
        var names = System.Enum.GetValues<T>().Select(Kebab).ToArray();
        var option = new Option<T?>(name)
        {
            Description = description,
            HelpName = string.Join("|", names),
            CustomParser = result =>
            {
                var token = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                foreach (var v in System.Enum.GetValues<T>())
                    if (string.Equals(Kebab(v), token, StringComparison.OrdinalIgnoreCase) ||
                        string.Equals(v.ToString(), token, StringComparison.OrdinalIgnoreCase))
                        return v;
                result.AddError($"{name}: '{token}' is not one of {string.Join(", ", names)}.");
                return null;
            },
        };
        return option;
    }

    public static string Kebab<T>(T value) where T : struct, System.Enum =>
        JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}

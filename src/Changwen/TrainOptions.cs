namespace Changwen;

/// <summary>
/// Everything that decides how a model is made, parsed once from the command line (or an experiment plan), saved as
/// <c>options.json</c> in the run folder and read back by every later command, so a model always knows how its input
/// was made (fastText's <c>Args</c>, ML.NET's <c>Options</c>). Each stage reads only its own section.
/// </summary>
public sealed record TrainOptions
{
    public CorpusOptions Corpus { get; init; } = new();
    public TokenizerOptions Tokenizer { get; init; } = new();
    public VocabularyOptions Vocabulary { get; init; } = new();
    public EncodingOptions Encoding { get; init; } = new();
    public ModelOptions Model { get; init; } = new();
    public OptimizerOptions Optimizer { get; init; } = new();
}

/// <summary>How to read a corpus and split it when it has no splits of its own.</summary>
public sealed record CorpusOptions
{
    /// <summary>Layout; <c>null</c> detects it from the files.</summary>
    public CorpusFormat? Format { get; init; }
    /// <summary>Text encoding name (utf-8, gb18030, gbk); <c>null</c> detects it per file.</summary>
    public string? Encoding { get; init; }
    /// <summary>CSV/JSON column of the text; <c>null</c> tries content, then text.</summary>
    public string? TextColumn { get; init; }
    /// <summary>CSV/JSON column of the label; <c>null</c> tries category, then label.</summary>
    public string? LabelColumn { get; init; }
    /// <summary>Fractions of each class sent to val and test when the corpus has no splits (stratified, seeded).</summary>
    public double ValFraction { get; init; } = 0.1;
    public double TestFraction { get; init; } = 0.1;
    public int SplitSeed { get; init; } = 42;
}

public enum TokenizerKind { Word, Char }

/// <summary>Unicode normalisation applied to every text before it is tokenized, in training and in prediction alike.</summary>
public enum TextNormalization
{
    /// <summary>The text as read.</summary>
    None,
    /// <summary>NFKC: full-width letters, digits and punctuation to their ASCII forms, compatibility characters folded.</summary>
    Nfkc,
}

/// <summary>How text becomes tokens.</summary>
public sealed record TokenizerOptions
{
    /// <summary>
    /// Version 2 keeps every character outside the Basic Multilingual Plane whole: jieba never emits half of a
    /// surrogate pair and the char tokenizer gives one token per grapheme (an emoji with its skin-tone modifier, a flag).
    /// Version 1 (runs written before, whose options.json has no version) cut such characters into UTF-16 halves (jieba)
    /// or code points (char); it is kept so those runs tokenize exactly as they were trained.
    /// </summary>
    public int Version { get; init; } = CurrentVersion;
    public const int CurrentVersion = 2;
    /// <summary>Unicode normalisation before tokenizing.</summary>
    public TextNormalization Normalize { get; init; } = TextNormalization.None;
    /// <summary><c>word</c>: jieba segmentation (as in the original experiments); <c>char</c>: one token per character.</summary>
    public TokenizerKind Kind { get; init; } = TokenizerKind.Word;
    /// <summary>Optional jieba user dictionary (one word per line, optionally with a frequency).</summary>
    public string? UserDictionary { get; init; }
    /// <summary>Optional stop-word list, one word per line; those tokens are dropped.</summary>
    public string? StopWords { get; init; }
}

/// <summary>Which tokens get ids. Id 0 is &lt;pad&gt;, id 1 is &lt;unk&gt;.</summary>
public sealed record VocabularyOptions
{
    public int MinCount { get; init; } = 1;
    /// <summary>At most this many entries including the two reserved ones; 0 = no limit.</summary>
    public int MaxVocab { get; init; } = 50_000;
}

public enum TruncateSide { Head, Tail }
public enum PadSide { Post, Pre }

/// <summary>How token sequences become fixed-length id rows.</summary>
public sealed record EncodingOptions
{
    /// <summary>Maximum words per document (the original used 50, 500 and 3000).</summary>
    public int MaxLen { get; init; } = 500;
    /// <summary><c>head</c> keeps the first MaxLen words, <c>tail</c> the last.</summary>
    public TruncateSide Truncate { get; init; } = TruncateSide.Head;
    /// <summary><c>post</c> pads after the words (the original), <c>pre</c> before them.</summary>
    public PadSide Pad { get; init; } = PadSide.Post;
}

public enum ModelKind
{
    /// <summary>The original post's LSTM.</summary>
    Lstm,
    /// <summary>The original post's Conv1d + MaxPool front end before the LSTM.</summary>
    Mergenet,
    /// <summary>fastText (Joulin et al. 2016): the mean of word and hashed word-bigram embeddings, then Linear.</summary>
    Fasttext,
    /// <summary>Kim's (2014) CNN: parallel Conv1d filters, max over time, dropout, Linear.</summary>
    Textcnn,
    /// <summary>
    /// TF-IDF of word unigrams and bigrams over the whole document and a multinomial logistic regression fitted to its
    /// optimum (ML.NET's L-BFGS maximum entropy); no network, no epochs.
    /// </summary>
    Linear,
    /// <summary>
    /// Trains candidates (linear, fastText, ...) within a time budget and keeps the one, or the average of the two, with
    /// the best validation accuracy (docs/training.md).
    /// </summary>
    Auto,
}
public enum InitKind { Default, Orthogonal }

/// <summary>How the LSTM's output sequence <c>[B,T,H]</c> becomes one vector per document (see docs/training.md).</summary>
public enum PoolKind
{
    /// <summary>The output at the final column, pads included: the original <c>r_out[:, -1, :]</c>.</summary>
    Last,
    /// <summary>The output at each document's own last word (the last non-pad position), for post- and pre-padding.</summary>
    TrueLast,
    /// <summary>The mean of the outputs at the real words.</summary>
    Mean,
    /// <summary>The element-wise maximum of the outputs at the real words.</summary>
    Max,
    /// <summary>A learned weighted sum of the outputs at the real words (Linear score, softmax over the real words).</summary>
    Attention,
}

/// <summary>The network. Parameter names follow the original post.</summary>
public sealed record ModelOptions
{
    public ModelKind Kind { get; init; } = ModelKind.Lstm;
    public int EmbeddingDim { get; init; } = 128;
    public int HiddenDim { get; init; } = 128;
    /// <summary>LSTM layers (the post's layer_dim).</summary>
    public int LayerDim { get; init; } = 1;
    public InitKind Init { get; init; } = InitKind.Default;
    /// <summary>MergeNet's Conv1d kernel width.</summary>
    public int KernelSize { get; init; } = 3;
    /// <summary>MergeNet's MaxPool1d kernel (the post's pkernel_size).</summary>
    public int PkernelSize { get; init; } = 10;
    /// <summary>
    /// How the LSTM outputs become the classifier's input. <c>max</c> over the real words, with the forget-gate bias,
    /// clipping and buckets below, is the configuration that made the plain LSTM learn best at 500 and 3000 words and beat
    /// MergeNet on thucnews and fudan (docs/experiments.md; <c>mean</c> came second); <c>last</c> is the original post's
    /// <c>r_out[:, -1, :]</c>, which reads the pad steps after a post-padded document.
    /// </summary>
    public PoolKind Pool { get; init; } = PoolKind.Max;
    /// <summary>
    /// Forget-gate bias of every LSTM layer and direction: <c>bias_ih + bias_hh</c> equals this in the forget slice
    /// <c>[H:2H]</c>. <c>null</c> keeps libtorch's default uniform init (about zero on average), as the original post did;
    /// 1 (the default) lets the LSTM keep its memory from the start.
    /// </summary>
    public double? ForgetBias { get; init; } = 1.0;
    /// <summary>A bidirectional LSTM; the classifier then reads 2×HiddenDim features.</summary>
    public bool Bidirectional { get; init; }

    // Fields below were added after runs had been started; Trainer's resume fingerprint leaves them out while they
    // hold their defaults, so those runs still resume.

    /// <summary>
    /// Dropout probability on the features the classifier reads (the pooled LSTM output, fastText's document vector,
    /// TextCNN's pooled filters), during training only. 0 = none (the original).
    /// </summary>
    public double Dropout { get; init; }
    /// <summary>fastText: 1 = words only, 2 = words and hashed word bigrams (the bigrams fastText's paper uses).</summary>
    public int WordNgrams { get; init; } = 2;
    /// <summary>
    /// fastText: rows of the hashed bigram table. fastText's own default is 2,000,000, sized for corpora of millions of
    /// documents. Adam updates every row at every step and every checkpoint saves the table with two Adam moments, so
    /// Changwen's default is 20,000: on thucnews it reached the validation accuracy of 100,000 buckets in half the time
    /// per epoch (docs/training.md).
    /// </summary>
    public int NgramBuckets { get; init; } = 20_000;
    /// <summary>TextCNN: the widths (in words) of its Conv1d filters, comma-separated; one set of <see cref="Filters"/> per width.</summary>
    public string FilterWidths { get; init; } = "2,3,4";
    /// <summary>TextCNN: <see cref="FilterWidths"/> read: comma-separated positive integers, e.g. "2,3,4".</summary>
    public IReadOnlyList<int> ParseFilterWidths()
    {
        var parts = (FilterWidths ?? "").Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new UserInputException($"filter widths must be comma-separated positive integers, got '{FilterWidths}'. Pass e.g. 2,3,4");
        return widths;
    }
    /// <summary>TextCNN: filters (output channels) per width.</summary>
    public int Filters { get; init; } = 100;
    /// <summary>
    /// Pretrained word vectors (word2vec/GloVe text format, plain or .gz) copied into the word embeddings before the
    /// first epoch; their dimension must equal <see cref="EmbeddingDim"/>. Read only when a run starts: the weights
    /// keep them, so resume, eval and predict never need the file.
    /// </summary>
    public string? Embeddings { get; init; }
    /// <summary>Keep the word embeddings fixed during training (needs <see cref="Embeddings"/>).</summary>
    public bool FreezeEmbeddings { get; init; }

    /// <summary>
    /// linear: inverse regularisation strength (scikit-learn's <c>C</c>: the fit minimises C·Σ cross-entropy + ½‖W‖²);
    /// <c>null</c> picks it on the validation split from <see cref="Tfidf.LinearTrainer.CGrid"/>.
    /// </summary>
    public double? C { get; init; }
    /// <summary>
    /// linear: multinomial (one softmax) or one-vs-rest (a binary logistic regression per class, scikit-learn's
    /// liblinear form, fitted by dual coordinate descent); <c>null</c> is one-vs-rest (runs before that default chose the
    /// form with C on the validation split; their summary.json says what they kept). Options written before the form existed
    /// have no such key: their model files are multinomial, and load so.
    /// </summary>
    public LinearForm? LinearForm { get; init; }
    /// <summary>linear: a word or bigram becomes a feature when at least this many training documents hold it.</summary>
    public int MinDf { get; init; } = 2;
    /// <summary>
    /// linear: characters of a document read at most (the whole document, up to this generous bound, which only keeps
    /// pathological inputs from stalling jieba).
    /// </summary>
    public int MaxChars { get; init; } = 200_000;
    /// <summary>auto: minutes the whole candidate search may take; a candidate that would start after it is skipped.</summary>
    public double TimeBudget { get; init; } = 12;
}

/// <summary>How the training loss weighs the classes.</summary>
public enum ClassWeighting
{
    /// <summary>Every document counts the same.</summary>
    None,
    /// <summary>Class c weighs n / (C · n_c) on train (sklearn's "balanced"): every class contributes the same in total.</summary>
    Balanced,
}

/// <summary>Which training documents an epoch visits.</summary>
public enum SamplerKind
{
    /// <summary>Every training document once per epoch.</summary>
    None,
    /// <summary>As many draws as training documents, with replacement, each class equally likely (seeded per epoch).</summary>
    Balanced,
}

/// <summary>How the model is trained: Adam, mini-batches, epochs.</summary>
public sealed record OptimizerOptions
{
    public double Lr { get; init; } = 0.001;
    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 10;
    public int Seed { get; init; } = 42;
    /// <summary>libtorch intra-op threads; 0 = every core.</summary>
    public int Threads { get; init; } = 0;
    /// <summary>Shuffle the training set every epoch (off reproduces unshuffled, label-ordered training).</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Stop after this many epochs without a better validation accuracy; 0 = never.</summary>
    public int Patience { get; init; } = 0;
    /// <summary>Scale the gradients so their joint L2 norm is at most this before each Adam step; <c>null</c> = no clipping.</summary>
    /// <remarks>Default 1: part of the fixed LSTM configuration measured in docs/experiments.md.</remarks>
    public double? ClipGradNorm { get; init; } = 1.0;
    /// <summary>
    /// Length bucketing: training batches of documents of similar length, each cut to its longest document (fewer time
    /// steps). Validation and prediction batches are not bucketed.
    /// </summary>
    public bool Bucket { get; init; } = true;
    /// <summary>Weights of the classes in the training loss (for unbalanced corpora); validation loss stays unweighted.</summary>
    public ClassWeighting ClassWeight { get; init; } = ClassWeighting.None;
    /// <summary>Which documents each epoch draws (for unbalanced corpora); composes with <see cref="Bucket"/>.</summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.None;
}

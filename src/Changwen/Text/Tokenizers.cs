namespace Changwen.Text;

/// <summary>Makes the tokenizer that <see cref="TokenizerOptions"/> describe.</summary>
public static class Tokenizers
{
    /// <summary>
    /// The tokenizer for <paramref name="options"/>. A missing or unreadable user dictionary or stop-word file is a
    /// <see cref="UserInputException"/> naming it.
    /// </summary>
    public static ITokenizer Create(TokenizerOptions options) => Build(options).Tokenizer;

    /// <summary>
    /// The tokenizer and its <see cref="Fingerprint"/>, both from one reading of the user files, so the cache key
    /// always describes the words the tokenizer really holds.
    /// </summary>
    internal static (ITokenizer Tokenizer, string Fingerprint) Build(TokenizerOptions options)
    {
        if (options.Version is < 1 or > TokenizerOptions.CurrentVersion)
            throw new UserInputException(
                $"tokenizer version {options.Version} is not known to this Changwen (it knows 1 to {TokenizerOptions.CurrentVersion}). Use the Changwen that trained the model, or retrain");
        var stopWordBytes = options.StopWords is null ? null : TextFiles.ReadBytes(options.StopWords, "stop-word list");
        var stopWords = stopWordBytes is null ? null : ParseStopWords(options.StopWords!, stopWordBytes, options.Normalize);
        var userDictionary = options.UserDictionary is null ? null : UserDictionary.Load(options.UserDictionary);
        ITokenizer tokenizer = options.Kind switch
        {
            TokenizerKind.Word => new JiebaTokenizer(userDictionary, stopWords, options.Version),
            TokenizerKind.Char => userDictionary is null
                ? new CharTokenizer(stopWords, options.Version)
                : throw UserInputException.At(options.UserDictionary!, null,
                    "a user dictionary only applies to the word tokenizer. Drop it or use the word tokenizer"),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown tokenizer kind"),
        };
        if (options.Normalize != TextNormalization.None) tokenizer = new NormalizingTokenizer(options.Normalize, tokenizer);
        // The word segmenter gives exactly jieba.NET's tokens from jieba.NET's files, so the package version still names them.
        var jieba = typeof(JiebaNet.Segmenter.JiebaSegmenter).Assembly.GetName().Version;
        var fingerprint = $"kind={options.Kind};version={options.Version};normalize={TextNormalizer.Fingerprint(options.Normalize)};" +
                          $"jieba={jieba};user-dictionary={userDictionary?.ContentHash ?? "-"};" +
                          $"stop-words={(stopWordBytes is null ? "-" : TextFiles.Hash(stopWordBytes))}";
        return (tokenizer, fingerprint);
    }

    /// <summary>A stop-word list: one word per line, blank lines ignored.</summary>
    public static IReadOnlySet<string> LoadStopWords(string path) =>
        ParseStopWords(path, TextFiles.ReadBytes(path, "stop-word list"), TextNormalization.None);

    /// <summary>Stop words are normalised like the text, so they match the tokens it becomes.</summary>
    private static HashSet<string> ParseStopWords(string path, byte[] bytes, TextNormalization normalization) =>
        TextFiles.Lines(path, bytes, "stop-word list")
            .Select(l => TextNormalizer.Apply(normalization, l).Trim())
            .Where(l => l.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Everything about <paramref name="options"/> that changes the tokens: the kind, version and normalisation, the
    /// contents (not the paths) of the user dictionary and stop-word files, plus the jieba.NET version. Part of the segmentation cache key.
    /// </summary>
    public static string Fingerprint(TokenizerOptions options) => Build(options).Fingerprint;
}

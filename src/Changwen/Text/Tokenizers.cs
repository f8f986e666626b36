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
        var stopWordBytes = options.StopWords is null ? null : TextFiles.ReadBytes(options.StopWords, "stop-word list");
        var stopWords = stopWordBytes is null ? null : ParseStopWords(options.StopWords!, stopWordBytes);
        var userDictionary = options.UserDictionary is null ? null : UserDictionary.Load(options.UserDictionary);
        ITokenizer tokenizer = options.Kind switch
        {
            TokenizerKind.Word => new JiebaTokenizer(userDictionary, stopWords),
            TokenizerKind.Char => userDictionary is null
                ? new CharTokenizer(stopWords)
                : throw UserInputException.At(options.UserDictionary!, null,
                    "a user dictionary only applies to the word tokenizer. Drop it or use the word tokenizer"),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown tokenizer kind"),
        };
        var jieba = typeof(JiebaNet.Segmenter.JiebaSegmenter).Assembly.GetName().Version;
        var fingerprint = $"kind={options.Kind};jieba={jieba};user-dictionary={userDictionary?.ContentHash ?? "-"};" +
                          $"stop-words={(stopWordBytes is null ? "-" : TextFiles.Hash(stopWordBytes))}";
        return (tokenizer, fingerprint);
    }

    /// <summary>A stop-word list: one word per line, blank lines ignored.</summary>
    public static IReadOnlySet<string> LoadStopWords(string path) =>
        ParseStopWords(path, TextFiles.ReadBytes(path, "stop-word list"));

    private static HashSet<string> ParseStopWords(string path, byte[] bytes) =>
        TextFiles.Lines(path, bytes, "stop-word list")
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Everything about <paramref name="options"/> that changes the tokens: the kind and the contents (not the paths)
    /// of the user dictionary and stop-word files, plus the jieba.NET version. Part of the segmentation cache key.
    /// </summary>
    public static string Fingerprint(TokenizerOptions options) => Build(options).Fingerprint;
}

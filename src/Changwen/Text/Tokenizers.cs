namespace Changwen.Text;

/// <summary>Makes the tokenizer that <see cref="TokenizerOptions"/> describe.</summary>
public static class Tokenizers
{
    /// <summary>
    /// The tokenizer for <paramref name="options"/>. A missing or unreadable user dictionary or stop-word file is a
    /// <see cref="UserInputException"/> naming it.
    /// </summary>
    public static ITokenizer Create(TokenizerOptions options)
    {
        var stopWords = options.StopWords is null ? null : LoadStopWords(options.StopWords);
        return options.Kind switch
        {
            TokenizerKind.Word => new JiebaTokenizer(
                options.UserDictionary is null ? null : UserDictionary.Load(options.UserDictionary), stopWords),
            TokenizerKind.Char => options.UserDictionary is null
                ? new CharTokenizer(stopWords)
                : throw UserInputException.At(options.UserDictionary, null,
                    "a user dictionary only applies to the word tokenizer. Drop it or use the word tokenizer"),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown tokenizer kind"),
        };
    }

    /// <summary>A stop-word list: one word per line, blank lines ignored.</summary>
    public static IReadOnlySet<string> LoadStopWords(string path)
    {
        var bytes = TextFiles.ReadBytes(path, "stop-word list");
        return TextFiles.Lines(path, bytes, "stop-word list")
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Everything about <paramref name="options"/> that changes the tokens: the kind and the contents (not the paths)
    /// of the user dictionary and stop-word files, plus the jieba.NET version. Part of the segmentation cache key.
    /// </summary>
    public static string Fingerprint(TokenizerOptions options)
    {
        var jieba = typeof(JiebaNet.Segmenter.JiebaSegmenter).Assembly.GetName().Version;
        var userDictionary = options.UserDictionary is null ? "-" : TextFiles.Hash(TextFiles.ReadBytes(options.UserDictionary, "user dictionary"));
        var stopWords = options.StopWords is null ? "-" : TextFiles.Hash(TextFiles.ReadBytes(options.StopWords, "stop-word list"));
        return $"kind={options.Kind};jieba={jieba};user-dictionary={userDictionary};stop-words={stopWords}";
    }
}

using Changwen.Data;

namespace Changwen.Bundle;

/// <summary>Texts cut and tokenized by <see cref="TextClassifier.Prepare"/>, waiting to be scored.</summary>
public sealed class PreparedTexts
{
    internal PreparedTexts(string[][] tokens) => Tokens = tokens;
    internal string[][] Tokens { get; }
    public int Count => Tokens.Length;
}

// Segmentation and the forward pass as two steps, so a server can segment each request on its own thread (where a slow
// text delays only its own request, and a request whose client gave up stops) and gather only the cheap forward passes.
public sealed partial class TextClassifier
{
    /// <summary>
    /// Characters kept per word of <see cref="EncodingOptions.MaxLen"/> before a text is segmented. A word of Chinese
    /// news text is about 1.6 characters; 8 leaves room for long Latin words, numbers, punctuation and stop words, so the
    /// first (or, with --truncate tail, last) max_len words come out as from the whole text, while a pathological text
    /// (99,000 copies of one character) costs jieba no more than 8 × max_len characters. docs/serving.md.
    /// </summary>
    public const int CharsPerWord = 8;

    /// <summary>
    /// The most characters of one text that reach the tokenizer: <see cref="CharsPerWord"/> × max_len for a network,
    /// the linear model's own bound (it reads whole documents), the longest of the two for an averaged pair.
    /// </summary>
    public int MaxTextChars => scorer.MaxTextChars;

    /// <summary>
    /// The part of <paramref name="text"/> that can reach the encoder's <paramref name="maxChars"/>: its head (or tail,
    /// for tail truncation), never splitting a surrogate pair.
    /// </summary>
    public static string CutToUsable(string text, int maxChars, TruncateSide side)
    {
        if (text.Length <= maxChars) return text;
        if (side == TruncateSide.Tail)
        {
            var start = text.Length - maxChars;
            if (char.IsLowSurrogate(text[start])) start++;
            return text[start..];
        }
        var end = maxChars;
        if (char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end];
    }

    /// <summary>Cuts and tokenizes <paramref name="texts"/> (in parallel); stops between texts when <paramref name="cancel"/> fires.</summary>
    public PreparedTexts Prepare(IReadOnlyList<string> texts, CancellationToken cancel = default) =>
        new(Tokenize(texts, 0, texts.Count, cancel));

    /// <summary>
    /// One forward pass over the rows of every part, then each text's top <paramref name="topK"/> labels, in order.
    /// </summary>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<PreparedTexts> parts, int topK)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "top-k must be at least 1");
        var documents = parts.SelectMany(p => p.Tokens).ToArray();
        return ToPredictions(scorer.ScoreTokens(documents, Math.Max(1, documents.Length)), topK);
    }
}

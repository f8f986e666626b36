using ICU4N.Text;

namespace Changwen.Text;

/// <summary>
/// Applies <see cref="TextNormalization"/> to a text, with ICU's normaliser (ICU4N). .NET's own
/// <c>string.Normalize</c> is not used because it silently returns the text unchanged when globalization-invariant
/// mode is on (as it is in this repository's builds), and then a model would be trained on raw text by one host and
/// fed normalised text by another.
/// </summary>
public static class TextNormalizer
{
    /// <summary><paramref name="text"/> normalised; unpaired surrogates come out as U+FFFD.</summary>
    public static string Apply(TextNormalization normalization, string text) => normalization switch
    {
        TextNormalization.None => text,
        TextNormalization.Nfkc => Normalizer2.NFKCInstance.Normalize(text),
        _ => throw new ArgumentOutOfRangeException(nameof(normalization), normalization, "unknown normalisation"),
    };

    /// <summary>Names the normalisation and the ICU4N version that does it (its Unicode data decides the output).</summary>
    public static string Fingerprint(TextNormalization normalization) => normalization == TextNormalization.None
        ? "none"
        : $"{normalization.ToString().ToLowerInvariant()}/icu4n-{typeof(Normalizer2).Assembly.GetName().Version}";
}

/// <summary>Normalises each text, then hands it to the inner tokenizer.</summary>
internal sealed class NormalizingTokenizer(TextNormalization normalization, ITokenizer inner) : ITokenizer
{
    public string[] Tokenize(string text) => inner.Tokenize(TextNormalizer.Apply(normalization, text));
}

using Changwen.Runs;

namespace Changwen.Export;

/// <summary>What an exported folder says about its model, in the shapes <see cref="Bundle.TextClassifier"/> holds.</summary>
internal static class OnnxBundle
{
    /// <summary>
    /// The options an exported model was trained with, as far as scoring needs them (tokenizer, encoding, model kind);
    /// the tokenizer's files resolved against the export folder.
    /// </summary>
    public static TrainOptions Options(OnnxScorer scorer)
    {
        var text = scorer.Manifest.Text;
        var manifestPath = Path.Combine(scorer.Directory, OnnxManifest.FileName);
        T Parse<T>(string value, string field) where T : struct, Enum =>
            Enum.TryParse<T>(value.Replace("-", ""), ignoreCase: true, out var parsed) ? parsed
                : throw UserInputException.At(manifestPath, null, $"{field} '{value}' is not known to this Changwen. Export the model again");
        return new TrainOptions
        {
            Tokenizer = new TokenizerOptions
            {
                Kind = Parse<TokenizerKind>(text.Tokenizer, "tokenizer"),
                Version = text.TokenizerVersion,
                Normalize = Parse<TextNormalization>(text.Normalize, "normalize"),
                UserDictionary = text.UserDictionary is null ? null : Path.Combine(scorer.Directory, text.UserDictionary),
                StopWords = text.StopWords is null ? null : Path.Combine(scorer.Directory, text.StopWords),
            },
            Encoding = new EncodingOptions { MaxLen = text.MaxLen, Truncate = Parse<TruncateSide>(text.Truncate, "truncate"), Pad = Parse<PadSide>(text.Pad, "pad") },
            Model = new ModelOptions { Kind = Parse<ModelKind>(scorer.Manifest.ModelKind, "model_kind") },
        };
    }

    /// <summary>format.json's record for an export: this bundle format, the Changwen that exported it, the model kind.</summary>
    public static BundleFormat Format(OnnxScorer scorer) =>
        new(RunFolder.FormatVersion, scorer.Manifest.Changwen, scorer.Manifest.ModelKind);
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Changwen.Data;
using Changwen.IO;

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
    public readonly Option<int> MinCount = new("--min-count") { Description = "Drop words seen fewer times in train.", DefaultValueFactory = _ => D.Vocabulary.MinCount };
    public readonly Option<int> MaxVocab = new("--max-vocab") { Description = "Keep at most this many words (0 = all).", DefaultValueFactory = _ => D.Vocabulary.MaxVocab };

    // Encoding
    public readonly Option<int> MaxLen = new("--max-len") { Description = "Words kept per document.", DefaultValueFactory = _ => D.Encoding.MaxLen };
    public readonly Option<TruncateSide?> Truncate = Enum<TruncateSide>("--truncate", "Keep the head (default) or the tail of long documents.");
    public readonly Option<PadSide?> Pad = Enum<PadSide>("--pad", "Pad after (post, default) or before (pre) the words.");

    public void AddCorpusTo(Command c)
    {
        foreach (var o in new Option[] { Format, Encoding, TextColumn, LabelColumn, SplitSeed }) c.Options.Add(o);
    }

    public void AddTextTo(Command c)
    {
        foreach (var o in new Option[] { Tokenizer, UserDict, StopWords, MinCount, MaxVocab, MaxLen, Truncate, Pad }) c.Options.Add(o);
    }

    public CorpusOptions Corpus(ParseResult r) => D.Corpus with
    {
        Format = r.GetValue(Format),
        Encoding = r.GetValue(Encoding),
        TextColumn = r.GetValue(TextColumn),
        LabelColumn = r.GetValue(LabelColumn),
        SplitSeed = r.GetValue(SplitSeed),
    };

    /// <summary>The options as given on the command line, on top of <paramref name="start"/> (defaults, or a plan's).</summary>
    public TrainOptions Bind(ParseResult r, TrainOptions? start = null)
    {
        var o = start ?? D;
        return o with
        {
            Corpus = Corpus(r),
            Tokenizer = o.Tokenizer with
            {
                Kind = r.GetValue(Tokenizer) ?? o.Tokenizer.Kind,
                UserDictionary = r.GetValue(UserDict) ?? o.Tokenizer.UserDictionary,
                StopWords = r.GetValue(StopWords) ?? o.Tokenizer.StopWords,
            },
            Vocabulary = o.Vocabulary with { MinCount = r.GetValue(MinCount), MaxVocab = r.GetValue(MaxVocab) },
            Encoding = o.Encoding with
            {
                MaxLen = r.GetValue(MaxLen),
                Truncate = r.GetValue(Truncate) ?? o.Encoding.Truncate,
                Pad = r.GetValue(Pad) ?? o.Encoding.Pad,
            },
        };
    }

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

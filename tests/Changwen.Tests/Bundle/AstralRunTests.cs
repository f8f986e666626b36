using System.Text;
using Changwen.Bundle;
using Changwen.Models;
using Changwen.Pipeline;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Training;

namespace Changwen.Tests.Bundle;

/// <summary>
/// Runs trained on text with emoji, flags, skin-tone sequences and CJK Extension B characters: they save, reload and
/// predict as trained, and their vocabulary holds those characters whole.
/// </summary>
[Collection("torch")]
public sealed class AstralRunTests
{
    /// <summary>Characters outside the BMP (and one sequence) that each class's documents mix in.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> ClassEmoji = new Dictionary<string, string[]>
    {
        ["体育"] = ["⚽", "👍🏽", "🇨🇳", "𠮷"],
        ["财经"] = ["💰", "📈", "🙏🏿", "𩸽"],
        ["科技"] = ["📱", "💡", "👨‍👩‍👧", "🇯🇵"],
    };

    /// <summary>TinyRun's documents with an astral grapheme of the class (and a shared 😘) after a few characters.</summary>
    private static string Tsv(int perClass, int seed, Func<string, string>? transform = null)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < perClass; i++)
            foreach (var label in TinyRun.ClassCharacters.Keys)
            {
                // Inserted between whole characters, never inside an emoji inserted before.
                var characters = TinyRun.Document(label, random).Select(c => c.ToString()).ToList();
                for (var k = 0; k < 3; k++)
                {
                    var emoji = random.Next(4) == 0 ? "😘" : ClassEmoji[label][random.Next(ClassEmoji[label].Length)];
                    characters.Insert(random.Next(characters.Count + 1), emoji);
                }
                var document = string.Concat(characters);
                text.Append(label).Append('\t').Append(transform is null ? document : transform(document)).Append('\n');
            }
        return text.ToString();
    }

    [Theory]
    [InlineData(TokenizerKind.Word)]
    [InlineData(TokenizerKind.Char)]
    public void A_run_on_text_outside_the_BMP_saves_reloads_and_predicts_as_trained(TokenizerKind kind)
    {
        using var dir = new TempDir();
        var corpus = dir.File("corpus/news.tsv", Tsv(perClass: 20, seed: 3));
        var runDir = Path.Combine(dir.Path, "run");
        var options = TinyRun.Options() with { Tokenizer = new TokenizerOptions { Kind = kind } };

        var (_, trained, testDocuments) = TinyRun.Train(corpus, runDir, options);

        var vocab = Vocabulary.Load(Path.Combine(runDir, RunFolder.VocabularyFile));
        var tokens = Enumerable.Range(0, vocab.Count).Select(vocab.TokenOf).ToList();
        Assert.DoesNotContain(tokens, t => t.Contains('\uFFFD')); // the corpus has none
        Assert.All(tokens, t => Assert.True(Graphemes.IsWellFormed(t), $"token {t} holds half a surrogate pair"));
        foreach (var whole in ClassEmoji.Values.SelectMany(e => e).Append("😘"))
            Assert.Contains(whole, tokens);

        using var classifier = TextClassifier.Load(runDir);
        var probabilities = classifier.PredictProbabilities(testDocuments.Select(d => d.Text).ToList());
        for (var i = 0; i < probabilities.Length; i++)
            for (var c = 0; c < classifier.Labels.Count; c++)
                Assert.Equal(trained[i][c], probabilities[i][c], 5);
    }

    [Fact]
    public void The_whole_training_path_writes_a_run_that_loads()
    {
        using var dir = new TempDir();
        var corpus = dir.File("corpus/news.tsv", Tsv(perClass: 20, seed: 4));
        var runDir = Path.Combine(dir.Path, "run");
        var options = TinyRun.Options(ModelKind.Fasttext) with
        {
            Tokenizer = new TokenizerOptions(),
            Optimizer = TinyRun.Options().Optimizer with { Epochs = 2 },
        };

        var result = TrainingJob.Run(corpus, options, runDir, resume: false, cacheDir: Path.Combine(dir.Path, "cache"), progress: null, ct: default);

        Assert.NotNull(result.TestReport);
        using var classifier = TextClassifier.Load(runDir);
        Assert.Contains(classifier.Predict("球赛👍🏽冠军🇨🇳𠮷").Label, TinyRun.ClassCharacters.Keys);
        Assert.NotEqual(Vocabulary.UnknownId, classifier.Vocabulary.IdOf("👍🏽"));
    }

    [Fact]
    public void Nfkc_is_recorded_and_applied_at_prediction_time()
    {
        using var dir = new TempDir();
        // Full-width letters and digits in every sports document.
        var corpus = dir.File("corpus/news.tsv", Tsv(perClass: 20, seed: 5, transform: t => t.Contains('球') ? "ＦＩＦＡ２０" + t : t));
        var options = TinyRun.Options() with { Tokenizer = new TokenizerOptions { Kind = TokenizerKind.Char, Normalize = TextNormalization.Nfkc } };
        var nfkcRun = Path.Combine(dir.Path, "nfkc");
        var plainRun = Path.Combine(dir.Path, "plain");
        TinyRun.Train(corpus, nfkcRun, options);
        TinyRun.Train(corpus, plainRun, options with { Tokenizer = options.Tokenizer with { Normalize = TextNormalization.None } });

        Assert.Equal(TextNormalization.Nfkc, RunFolder.ReadOptions(nfkcRun).Tokenizer.Normalize);
        Assert.Contains("\"normalize\": \"nfkc\"", File.ReadAllText(Path.Combine(nfkcRun, RunFolder.OptionsFile)));
        using var nfkc = TextClassifier.Load(nfkcRun);
        using var plain = TextClassifier.Load(plainRun);
        Assert.NotEqual(Vocabulary.UnknownId, nfkc.Vocabulary.IdOf("F"));
        Assert.Equal(Vocabulary.UnknownId, nfkc.Vocabulary.IdOf("Ｆ"));

        string[] texts = ["ＦＩＦＡ２０的比赛", "FIFA20的比赛"];
        var normalised = nfkc.PredictProbabilities(texts);
        Assert.Equal(normalised[0], normalised[1]); // the full-width text is read as its ASCII form
        var raw = plain.PredictProbabilities(texts);
        Assert.NotEqual(raw[0], raw[1]); // without normalisation the two are different tokens
    }

    [Fact]
    public void An_options_file_from_before_tokenizer_versions_reads_as_version_1_without_normalisation()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, RunFolder.OptionsFile), """
            {"tokenizer": {"kind": "char", "user_dictionary": null, "stop_words": null},
             "model": {"kind": "lstm"}}
            """);
        var tokenizer = RunFolder.ReadOptions(dir.Path).Tokenizer;
        Assert.Equal((1, TextNormalization.None, TokenizerKind.Char), (tokenizer.Version, tokenizer.Normalize, tokenizer.Kind));
        Assert.Equal(2, new TrainOptions().Tokenizer.Version);
    }
}

using System.Collections.Concurrent;
using System.Text;
using Changwen.Data;
using Changwen.Text;
using Changwen.Text.Jieba;
using Xunit.Abstractions;

namespace Changwen.Tests.Text.Jieba;

/// <summary>
/// <see cref="WordSegmenter"/> and the word tokenizer against jieba.NET on the five shared corpora that Changwen cuts
/// with jieba, read through Changwen's own corpus readers (so Fudan's GB18030 is decoded as in training).
/// </summary>
/// <remarks>
/// By default about one and a half million characters of each corpus (every k-th document over all splits; all of titles
/// and about half of thucnews and sohu). <c>CHANGWEN_JIEBA_IDENTITY=all</c> compares every document (a few minutes: jieba.NET is
/// the slow side).
/// </remarks>
public class JiebaIdentityTests(ITestOutputHelper output)
{
    private const long CharacterBudget = 1_500_000;

    private static readonly string[] Corpora = ["thucnews", "chinanews", "fudan", "sohu", "titles"];

    [SharedDataFact]
    public void Every_shared_corpus_cuts_token_for_token_as_jieba_net()
    {
        foreach (var name in Corpora)
        {
            var documents = Sample(name);
            var mismatches = new ConcurrentQueue<string>();
            long tokens = 0, characters = 0, astral = 0;
            var reference = new JiebaNetTokenizer();
            var tokenizer = Tokenizers.Create(new TokenizerOptions());
            Parallel.ForEach(documents, document =>
            {
                string[] expected;
                using (JiebaDictionary.Enter(null))
                    expected = JiebaDictionary.Segmenter.Cut(document.Text, cutAll: false, hmm: true).ToArray();
                var actual = WordSegmenter.Jieba.Cut(document.Text);
                if (!expected.SequenceEqual(actual)) mismatches.Enqueue(Difference(document, expected, actual));
                // Texts with characters outside the BMP also take the tokenizer's own path around them (version 2).
                if (Graphemes.HasSurrogates(document.Text))
                {
                    Interlocked.Increment(ref astral);
                    var expectedTokens = reference.Tokenize(document.Text);
                    var actualTokens = tokenizer.Tokenize(document.Text);
                    if (!expectedTokens.SequenceEqual(actualTokens)) mismatches.Enqueue(Difference(document, expectedTokens, actualTokens));
                }
                Interlocked.Add(ref tokens, expected.Length);
                Interlocked.Add(ref characters, document.Text.Length);
            });
            output.WriteLine($"{name}: {documents.Count:N0} documents, {characters:N0} characters, {tokens:N0} tokens " +
                             $"({astral} with characters outside the BMP), {mismatches.Count} differing");
            Assert.True(mismatches.IsEmpty, $"{name}: {mismatches.Count} documents differ, e.g.\n{string.Join("\n", mismatches.Take(5))}");
        }
    }

    [SharedDataFact]
    public void A_user_dictionary_cuts_real_news_as_jieba_net_with_the_same_words_does()
    {
        // New words made of two adjacent jieba words, some with a frequency, some with a tag, most without (jieba
        // then suggests one from the words added before): the dictionary path, SuggestFreq included.
        var documents = Sample("chinanews").Take(400).ToList();
        var random = new Random(25);
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in documents.Take(100))
        {
            var tokens = WordSegmenter.Jieba.Cut(document.Text);
            for (var i = 0; i + 1 < tokens.Count && words.Count < 600; i += 1 + random.Next(20))
            {
                var word = tokens[i] + tokens[i + 1];
                if (word.Any(char.IsWhiteSpace) || !seen.Add(word)) continue;
                words.Add(random.Next(4) switch
                {
                    0 => $"{word} {random.Next(0, 2000)}",
                    1 => $"{word} {random.Next(1, 50)} nz",
                    2 => $"{word} n",
                    _ => word,
                });
            }
        }
        using var dir = new TempDir();
        var path = dir.File("user.txt", string.Join("\n", words) + "\n");
        var userDictionary = UserDictionary.Load(path);
        var reference = new JiebaNetTokenizer(userDictionary);
        var tokenizer = Tokenizers.Create(new TokenizerOptions { UserDictionary = path });
        var plain = Tokenizers.Create(new TokenizerOptions());
        int differing = 0, changedByUserWords = 0;
        var examples = new List<string>();
        foreach (var document in documents)
        {
            var expected = reference.Tokenize(document.Text);
            var actual = tokenizer.Tokenize(document.Text);
            if (!expected.SequenceEqual(actual))
            {
                differing++;
                if (examples.Count < 5) examples.Add(Difference(document, expected, actual));
            }
            if (!actual.SequenceEqual(plain.Tokenize(document.Text))) changedByUserWords++;
        }
        output.WriteLine($"{words.Count} user words, {documents.Count} documents, {changedByUserWords} cut differently because of them, {differing} differing from jieba.NET");
        Assert.True(differing == 0, string.Join("\n", examples));
        // The check means something only if the user words change the cut.
        Assert.True(changedByUserWords > documents.Count / 4, $"only {changedByUserWords} documents changed");
    }

    /// <summary>Every k-th document over all splits, k chosen to stay near the character budget (all for "all").</summary>
    private static List<Document> Sample(string name)
    {
        var corpus = Corpus.Open(TestPaths.Shared(name), new CorpusOptions());
        var all = new[] { Split.Train, Split.Val, Split.Test }.SelectMany(corpus.Read).ToList();
        Assert.NotEmpty(all);
        if (Environment.GetEnvironmentVariable("CHANGWEN_JIEBA_IDENTITY") == "all") return all;
        var characters = all.Sum(d => (long)d.Text.Length);
        var stride = (int)Math.Max(1, (characters + CharacterBudget - 1) / CharacterBudget);
        return all.Where((_, i) => i % stride == 0).ToList();
    }

    private static string Difference(Document document, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var i = 0;
        while (i < expected.Count && i < actual.Count && expected[i] == actual[i]) i++;
        string Around(IReadOnlyList<string> tokens) =>
            string.Join("|", tokens.Skip(Math.Max(0, i - 3)).Take(8)).Replace("\r", "\\r").Replace("\n", "\\n");
        return new StringBuilder().Append(document.Source).Append(" at token ").Append(i)
            .Append(": jieba.NET ").Append(Around(expected)).Append(" / ours ").Append(Around(actual)).ToString();
    }
}

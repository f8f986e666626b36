using Changwen.Text;
using JiebaNet.Segmenter;

namespace Changwen.Tests.Text;

/// <summary>
/// The reference for <see cref="Changwen.Text.JiebaTokenizer"/>: the same tokenizer with jieba.NET itself cutting, as
/// Changwen's word tokenizer was before <see cref="Changwen.Text.Jieba.WordSegmenter"/> replaced jieba.NET there. The
/// tests compare the two token for token.
/// </summary>
/// <remarks>
/// Kept as it was (the old production class, moved here): whole documents through jieba.NET's <c>Cut</c>, astral
/// graphemes (version 2) cut around, whitespace tokens and stop words dropped; user words enter jieba.NET's
/// process-wide dictionary through its own <c>AddWord</c>.
/// </remarks>
public sealed class JiebaNetTokenizer : ITokenizer
{
    private readonly UserDictionary? userDictionary;
    private readonly IReadOnlySet<string>? stopWords;
    private readonly int version;

    public JiebaNetTokenizer(UserDictionary? userDictionary = null, IReadOnlySet<string>? stopWords = null,
        int version = TokenizerOptions.CurrentVersion)
    {
        this.userDictionary = userDictionary;
        this.stopWords = stopWords;
        this.version = version;
    }

    public string[] Tokenize(string text)
    {
        var tokens = new List<string>();
        using (JiebaDictionary.Enter(userDictionary))
        {
            if (version < 2 || !Graphemes.HasSurrogates(text)) Cut(text, tokens);
            else CutAroundAstralGraphemes(text, tokens);
        }
        return tokens.ToArray();
    }

    private void CutAroundAstralGraphemes(string text, List<string> tokens)
    {
        var runStart = 0;
        foreach (var (start, length) in Graphemes.Spans(text))
        {
            if (!Graphemes.HasSurrogates(text.AsSpan(start, length))) continue;
            if (start > runStart) Cut(text[runStart..start], tokens);
            // Unpaired surrogates (possible only in text that did not come from a file) become U+FFFD.
            Add(Graphemes.WellFormedWithoutWhitespace(text.AsSpan(start, length)), tokens);
            runStart = start + length;
        }
        if (runStart < text.Length) Cut(text[runStart..], tokens);
    }

    private void Cut(string text, List<string> tokens)
    {
        foreach (var word in JiebaDictionary.Segmenter.Cut(text, cutAll: false, hmm: true)) Add(word, tokens);
    }

    private void Add(string word, List<string> tokens)
    {
        if (!string.IsNullOrWhiteSpace(word) && (stopWords is null || !stopWords.Contains(word))) tokens.Add(word);
    }
}

/// <summary>
/// Guards jieba.NET's word dictionary, which is one mutable, unsynchronised table for the whole process.
/// <c>JiebaSegmenter.Cut</c> only reads it (and the HMM tables), so any number of threads may cut at once; adding
/// user words writes it, so that happens under a write lock. Tokenizers with different user dictionaries can live in
/// one process: before cutting, the dictionary is switched to the caller's words (the previous user words are undone,
/// restoring the frequencies they replaced), so every tokenizer always sees jieba's dictionary plus exactly its own words.
/// </summary>
public static class JiebaDictionary
{
    private static readonly ReaderWriterLockSlim Lock = new(LockRecursionPolicy.NoRecursion);
    private static readonly JiebaSegmenter segmenter = CreateSegmenter();
    private static UserDictionary? active;
    private static List<(string Word, int PreviousFrequency)> undo = new();

    private static JiebaSegmenter CreateSegmenter()
    {
        // Must be set before jieba's static dictionary loads; jieba silently loads nothing when the file is missing.
        var resources = Path.Combine(AppContext.BaseDirectory, "Resources");
        if (!File.Exists(Path.Combine(resources, "dict.txt")))
            throw new InvalidOperationException($"jieba dictionary missing: {Path.Combine(resources, "dict.txt")} (the Changwen.Core build copies it)");
        ConfigManager.ConfigFileBaseDir = resources;
        return new JiebaSegmenter();
    }

    /// <summary>jieba's segmenter; call it only inside <see cref="Enter"/>.</summary>
    public static JiebaSegmenter Segmenter => segmenter;

    /// <summary>
    /// Read access to jieba's dictionary holding exactly its own words plus <paramref name="words"/>, until disposed.
    /// Many callers with the same words proceed together; a caller with other words waits for them, then switches.
    /// </summary>
    public static ReadScope Enter(UserDictionary? words)
    {
        // Fast path: the dictionary already holds these words.
        Lock.EnterReadLock();
        if (SameWords(active, words)) return new ReadScope();
        Lock.ExitReadLock();

        Lock.EnterUpgradeableReadLock();
        try
        {
            if (!SameWords(active, words))
            {
                Lock.EnterWriteLock();
                try { Switch(words); }
                finally { Lock.ExitWriteLock(); }
            }
            // Downgrade: others may cut with the same words, nobody may switch them until this scope ends.
            Lock.EnterReadLock();
        }
        finally { Lock.ExitUpgradeableReadLock(); }
        return new ReadScope();
    }

    public readonly struct ReadScope : IDisposable
    {
        public void Dispose() => Lock.ExitReadLock();
    }

    private static bool SameWords(UserDictionary? a, UserDictionary? b) =>
        (a is null && b is null) || (a is not null && b is not null && a.ContentHash == b.ContentHash);

    private static void Switch(UserDictionary? words)
    {
        var dictionary = WordDictionary.Instance;
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            var (word, previous) = undo[i];
            if (previous > 0) dictionary.AddWord(word, previous);
            else dictionary.DeleteWord(word);
        }
        undo = new List<(string, int)>();
        active = null;
        if (words is null) return;
        foreach (var entry in words.Entries)
        {
            undo.Add((entry.Word, dictionary.ContainsWord(entry.Word) ? dictionary.GetFreqOrDefault(entry.Word) : 0));
            // Frequency 0 lets jieba suggest one high enough for the word to be kept whole.
            segmenter.AddWord(entry.Word, entry.Frequency ?? 0, entry.Tag);
        }
        active = words;
    }
}

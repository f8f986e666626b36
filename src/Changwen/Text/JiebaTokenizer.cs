using JiebaNet.Segmenter;

namespace Changwen.Text;

/// <summary>
/// jieba word segmentation in precise mode with the HMM for unknown words, as in the original experiments.
/// Whitespace tokens are dropped, and so are stop words when a list is given.
/// </summary>
public sealed class JiebaTokenizer : ITokenizer
{
    private readonly UserDictionary? userDictionary;
    private readonly IReadOnlySet<string>? stopWords;

    public JiebaTokenizer(UserDictionary? userDictionary = null, IReadOnlySet<string>? stopWords = null)
    {
        this.userDictionary = userDictionary;
        this.stopWords = stopWords;
    }

    public string[] Tokenize(string text)
    {
        var words = JiebaDictionary.Cut(text, userDictionary);
        var tokens = new string[words.Count];
        var kept = 0;
        foreach (var word in words)
        {
            if (string.IsNullOrWhiteSpace(word)) continue;
            if (stopWords is not null && stopWords.Contains(word)) continue;
            tokens[kept++] = word;
        }
        if (kept < tokens.Length) Array.Resize(ref tokens, kept);
        return tokens;
    }
}

/// <summary>
/// Guards jieba.NET's word dictionary, which is one mutable, unsynchronised table for the whole process.
/// <c>JiebaSegmenter.Cut</c> only reads it (and the HMM tables), so any number of threads may cut at once; adding
/// user words writes it, so that happens under a write lock. Tokenizers with different user dictionaries can live in
/// one process: before cutting, the dictionary is switched to the caller's words (the previous user words are undone,
/// restoring the frequencies they replaced), so every tokenizer always sees jieba's dictionary plus exactly its own words.
/// </summary>
internal static class JiebaDictionary
{
    private static readonly ReaderWriterLockSlim Lock = new(LockRecursionPolicy.NoRecursion);
    private static readonly JiebaSegmenter Segmenter = CreateSegmenter();
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

    /// <summary>Precise-mode cut with the HMM, seeing jieba's dictionary plus <paramref name="words"/>.</summary>
    public static List<string> Cut(string text, UserDictionary? words)
    {
        Lock.EnterUpgradeableReadLock();
        try
        {
            if (!SameWords(active, words))
            {
                Lock.EnterWriteLock();
                try { Switch(words); }
                finally { Lock.ExitWriteLock(); }
            }
            // Downgrade: other readers may cut with the same words, nobody may switch them until we are done.
            Lock.EnterReadLock();
        }
        finally { Lock.ExitUpgradeableReadLock(); }
        try
        {
            return (List<string>)Segmenter.Cut(text, cutAll: false, hmm: true);
        }
        finally { Lock.ExitReadLock(); }
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
            Segmenter.AddWord(entry.Word, entry.Frequency ?? 0, entry.Tag);
        }
        active = words;
    }
}

using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using JiebaNet.Segmenter;

namespace Changwen.Text;

/// <summary>
/// jieba word segmentation in precise mode with the HMM for unknown words, as in the original experiments.
/// Whitespace tokens are dropped, and so are stop words when a list is given.
/// </summary>
/// <remarks>
/// jieba cuts a text by first splitting it into blocks (runs of Han characters, letters, digits and a few symbols)
/// and the gaps between them, then segments each piece on its own. This tokenizer does that split itself, with
/// jieba's own pattern, and remembers the tokens of each piece it has seen, so a clause repeated across a corpus
/// (datelines, bylines, boilerplate, punctuation) is segmented once. The tokens are exactly jieba's.
/// </remarks>
public sealed class JiebaTokenizer : ITokenizer
{
    /// <summary>jieba.NET 0.42.2's block pattern (<c>JiebaSegmenter.RegexChineseDefault</c>, internal there).</summary>
    internal static readonly Regex Block = new("([\\u4E00-\\u9FD5a-zA-Z0-9+#&\\._%·\\-]+)", RegexOptions.Compiled);

    /// <summary>Pieces remembered per tokenizer; past this, new pieces are segmented but not remembered.</summary>
    public const int DefaultMemoLimit = 1_000_000;

    private readonly UserDictionary? userDictionary;
    private readonly IReadOnlySet<string>? stopWords;
    private readonly ConcurrentDictionary<string, string[]> memo = new(StringComparer.Ordinal);
    private int remembered;

    private readonly int memoLimit;

    /// <param name="memoLimit">How many distinct pieces to remember (0 = none).</param>
    public JiebaTokenizer(UserDictionary? userDictionary = null, IReadOnlySet<string>? stopWords = null, int memoLimit = DefaultMemoLimit)
    {
        this.memoLimit = memoLimit;
        this.userDictionary = userDictionary;
        this.stopWords = stopWords;
    }

    public string[] Tokenize(string text)
    {
        var tokens = new List<string>(text.Length);
        var pieces = Block.Split(text);
        using (JiebaDictionary.Enter(userDictionary))
        {
            foreach (var piece in pieces)
            {
                if (piece.Length == 0) continue;
                if (!memo.TryGetValue(piece, out var words))
                {
                    words = Keep(JiebaDictionary.Segmenter.Cut(piece, cutAll: false, hmm: true));
                    // ConcurrentDictionary.Count takes every lock, so keep our own count.
                    if (Volatile.Read(ref remembered) < memoLimit && memo.TryAdd(piece, words)) Interlocked.Increment(ref remembered);
                }
                tokens.AddRange(words);
            }
        }
        return tokens.ToArray();
    }

    private string[] Keep(IEnumerable<string> words) =>
        words.Where(w => !string.IsNullOrWhiteSpace(w) && (stopWords is null || !stopWords.Contains(w))).ToArray();
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

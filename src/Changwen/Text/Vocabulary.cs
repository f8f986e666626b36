using System.Text;
using Changwen.IO;

namespace Changwen.Text;

/// <summary>
/// Token ↔ id. Id 0 is <c>&lt;pad&gt;</c>, id 1 is <c>&lt;unk&gt;</c>; the rest are the training tokens seen at least
/// MinCount times, most frequent first (ties in ordinal order), at most MaxVocab entries in all.
/// </summary>
public sealed class Vocabulary
{
    public const int PadId = 0;
    public const int UnknownId = 1;
    public const string Pad = "<pad>";
    public const string Unknown = "<unk>";

    private readonly string[] tokens;
    private readonly long[] counts;
    private readonly Dictionary<string, int> ids;

    private Vocabulary(string[] tokens, long[] counts)
    {
        this.tokens = tokens;
        this.counts = counts;
        ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Length; i++) ids[tokens[i]] = i;
    }

    /// <summary>Entries including the two reserved ones.</summary>
    public int Count => tokens.Length;

    /// <summary>True when <paramref name="token"/> has an id of its own (the reserved names included).</summary>
    public bool Contains(string token) => ids.ContainsKey(token);

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/>.</summary>
    public int IdOf(string token) => ids.TryGetValue(token, out var id) ? id : UnknownId;

    public string TokenOf(int id) => tokens[id];

    /// <summary>How often the token with <paramref name="id"/> occurred in the training documents (0 for the reserved ids).</summary>
    public long CountOf(int id) => counts[id];

    public static Vocabulary Build(IEnumerable<IReadOnlyList<string>> trainDocs, VocabularyOptions options)
    {
        var frequency = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var doc in trainDocs)
            foreach (var token in doc)
                frequency[token] = frequency.GetValueOrDefault(token) + 1;
        return FromCounts(frequency, options);
    }

    /// <summary>As <see cref="Build"/>, from each distinct training token's count (e.g. counted in a streaming pass).</summary>
    public static Vocabulary FromCounts(IEnumerable<KeyValuePair<string, long>> frequency, VocabularyOptions options)
    {
        if (options.MinCount < 1) throw new ArgumentOutOfRangeException(nameof(options), "MinCount must be at least 1");
        if (options.MaxVocab is < 0 or 1 or 2)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxVocab must be 0 (no limit) or more than the 2 reserved ids");
        var kept = frequency
            .Where(p => p.Value >= options.MinCount && p.Key is not (Pad or Unknown))
            .OrderByDescending(p => p.Value)
            .ThenBy(p => p.Key, StringComparer.Ordinal);
        var limited = options.MaxVocab == 0 ? kept : kept.Take(options.MaxVocab - 2);
        var entries = limited.ToList();
        var tokens = new string[entries.Count + 2];
        var counts = new long[entries.Count + 2];
        tokens[PadId] = Pad;
        tokens[UnknownId] = Unknown;
        for (var i = 0; i < entries.Count; i++)
        {
            tokens[i + 2] = entries[i].Key;
            counts[i + 2] = entries[i].Value;
        }
        return new Vocabulary(tokens, counts);
    }

    /// <summary>Share of tokens in <paramref name="docs"/> that map to &lt;unk&gt; (0 when there are none).</summary>
    public double UnknownRate(IEnumerable<IReadOnlyList<string>> docs)
    {
        long unknown = 0, all = 0;
        foreach (var doc in docs)
            foreach (var token in doc)
            {
                all++;
                if (!ids.ContainsKey(token)) unknown++;
            }
        return all == 0 ? 0 : (double)unknown / all;
    }

    /// <summary>
    /// Writes <c>vocab.tsv</c>: <c>token&lt;TAB&gt;count</c> per line, line n (from 0) holds id n, UTF-8. Atomic.
    /// A token that <see cref="Load"/> could not read back as itself is refused before anything is written, so a run
    /// never spends its training time on a vocabulary that cannot load.
    /// </summary>
    /// <exception cref="UserInputException">A token holds a tab, a line break or an unpaired surrogate.</exception>
    public void Save(string path)
    {
        var text = new StringBuilder();
        for (var i = 0; i < tokens.Length; i++)
        {
            if (WhyUnwritable(tokens[i]) is { } problem)
                throw UserInputException.At(path, null,
                    $"cannot save token {i} '{Escape(tokens[i])}': it {problem}, so the vocabulary could not be read back. " +
                    "Remove that character from the corpus (or the tokenizer's word list) and train again");
            text.Append(tokens[i]).Append('\t').Append(counts[i]).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Why <paramref name="token"/> would not come back unchanged from a vocabulary file, or null if it would.</summary>
    private static string? WhyUnwritable(string token)
    {
        if (token.Length == 0) return "is empty";
        if (token.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0) return "holds a tab or a line break";
        // UTF-8 cannot hold half of a surrogate pair: it would be written as U+FFFD.
        if (!Graphemes.IsWellFormed(token)) return "holds half of a surrogate pair (part of a character outside the Basic Multilingual Plane)";
        return null;
    }

    /// <summary>The token with control characters and unpaired surrogates shown as \uXXXX, for a message.</summary>
    private static string Escape(string token)
    {
        var shown = new StringBuilder();
        foreach (var c in token)
            if (char.IsControl(c) || char.IsSurrogate(c)) shown.Append($"\\u{(int)c:X4}");
            else shown.Append(c);
        return shown.ToString();
    }

    /// <summary>Reads a file written by <see cref="Save"/>; anything else is refused with a one-line error naming the line.</summary>
    public static Vocabulary Load(string path)
    {
        var bytes = TextFiles.ReadBytes(path, "vocabulary");
        var lines = TextFiles.Lines(path, bytes, "vocabulary").ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count < 2) throw UserInputException.At(path, null, "not a vocabulary: it needs the <pad> and <unk> lines. Point to the vocab.tsv of a run");
        var tokens = new string[lines.Count];
        var counts = new long[lines.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var fields = lines[i].Split('\t');
            if (fields.Length != 2 || fields[0].Length == 0 || !long.TryParse(fields[1], System.Globalization.NumberStyles.None, null, out var count))
                throw UserInputException.At(path, i + 1, "expected 'token<TAB>count'. Point to the vocab.tsv of a run, or rebuild it");
            if (i == PadId && fields[0] != Pad || i == UnknownId && fields[0] != Unknown)
                throw UserInputException.At(path, i + 1, $"line {i + 1} must be {(i == PadId ? Pad : Unknown)}. Rebuild the vocabulary");
            if (!seen.Add(fields[0]))
                throw UserInputException.At(path, i + 1, $"token '{fields[0]}' appears twice. Rebuild the vocabulary");
            tokens[i] = fields[0];
            counts[i] = count;
        }
        return new Vocabulary(tokens, counts);
    }
}

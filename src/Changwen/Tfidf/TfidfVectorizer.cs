using System.Runtime.InteropServices;

namespace Changwen.Tfidf;

/// <summary>One document as a sparse feature row: feature indices in increasing order and their values.</summary>
public readonly record struct SparseRow(int[] Indices, float[] Values);

/// <summary>
/// TF-IDF features of word unigrams (and bigrams) as scikit-learn's <c>TfidfVectorizer(ngram_range=(1, n),
/// sublinear_tf=True, min_df=k)</c> makes them: a term is a feature when at least <c>k</c> training documents hold it;
/// a document's value for it is (1 + ln tf) · idf with idf = ln((1 + n) / (1 + df)) + 1 (smoothed), and each row is
/// scaled to unit L2 norm. Terms are kept as token-id pairs, so no bigram string is ever built.
/// </summary>
public sealed class TfidfVectorizer
{
    private readonly Dictionary<string, int> tokenIds;
    private readonly string[] tokens;
    /// <summary>Feature of each token id as a unigram, or -1.</summary>
    private readonly int[] unigramFeature;
    private readonly Dictionary<long, int> bigramFeature;
    private readonly float[] idf;

    private TfidfVectorizer(string[] tokens, int[] unigramFeature, Dictionary<long, int> bigramFeature, float[] idf, int maxNgram, int maxChars)
    {
        this.tokens = tokens;
        this.unigramFeature = unigramFeature;
        this.bigramFeature = bigramFeature;
        this.idf = idf;
        MaxNgram = maxNgram;
        MaxChars = maxChars;
        tokenIds = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < tokens.Length; i++) tokenIds[tokens[i]] = i;
    }

    /// <summary>1 = words, 2 = words and word bigrams.</summary>
    public int MaxNgram { get; }
    /// <summary>Tokens past this many characters of a document are not read (see <c>ModelOptions.MaxChars</c>).</summary>
    public int MaxChars { get; }
    public int FeatureCount => idf.Length;
    public IReadOnlyList<float> Idf => idf;

    /// <summary>
    /// Learns the features and their idf from the training documents' tokens, read once as they are enumerated (so they
    /// can stream from disk: only the distinct words and bigrams with their document counts are held).
    /// </summary>
    public static TfidfVectorizer Fit(IEnumerable<IReadOnlyList<string>> documents, int maxNgram, int minDf, int maxChars)
    {
        if (maxNgram is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(maxNgram), maxNgram, "n-grams must be 1 or 2");
        if (minDf < 1) throw new ArgumentOutOfRangeException(nameof(minDf), minDf, "min document frequency must be at least 1");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var unigramDf = new List<int>();
        var bigramDf = new Dictionary<long, int>(PairComparer.Instance);
        var seenUnigrams = new HashSet<int>();
        var seenBigrams = new HashSet<long>(PairComparer.Instance);
        var documentCount = 0;
        foreach (var document in documents)
        {
            documentCount++;
            seenUnigrams.Clear();
            seenBigrams.Clear();
            var previous = -1;
            foreach (var token in Within(document, maxChars))
            {
                if (!ids.TryGetValue(token, out var id))
                {
                    id = ids.Count;
                    ids[token] = id;
                    unigramDf.Add(0);
                }
                if (seenUnigrams.Add(id)) unigramDf[id]++;
                if (maxNgram == 2 && previous >= 0 && seenBigrams.Add(Pair(previous, id)))
                    CollectionsMarshal.GetValueRefOrAddDefault(bigramDf, Pair(previous, id), out _)++;
                previous = id;
            }
        }

        var byId = new string[ids.Count];
        foreach (var (token, id) in ids) byId[id] = token;
        // Features in a fixed order (unigrams, then bigrams, each ordinal), so a refit on the same data is the same model.
        // Bigrams are ordered by their tokens' ordinal ranks packed in one long: the order of (first, second) compared as
        // strings, without comparing strings 1.2 million times (chinanews).
        var ordinal = Enumerable.Range(0, byId.Length).ToArray();
        Array.Sort(ordinal, (a, b) => string.CompareOrdinal(byId[a], byId[b]));
        var rank = new int[byId.Length];
        for (var r = 0; r < ordinal.Length; r++) rank[ordinal[r]] = r;
        var keptUnigrams = ordinal.Where(id => unigramDf[id] >= minDf).ToList();
        var keptBigrams = bigramDf.Where(p => p.Value >= minDf).Select(p => p.Key).ToArray();
        var bigramOrder = keptBigrams.Select(p => Pair(rank[(int)(p >> 32)], rank[(int)(p & 0xFFFFFFFF)])).ToArray();
        Array.Sort(bigramOrder, keptBigrams);

        // Keep only the tokens some feature needs, renumbered.
        var newId = new Dictionary<int, int>();
        int Renumber(int id)
        {
            if (!newId.TryGetValue(id, out var n)) newId[id] = n = newId.Count;
            return n;
        }
        var idfValues = new float[keptUnigrams.Count + keptBigrams.Length];
        var unigramPairs = new List<(int Token, int Feature)>();
        var bigrams = new Dictionary<long, int>(keptBigrams.Length, PairComparer.Instance);
        var feature = 0;
        foreach (var id in keptUnigrams)
        {
            unigramPairs.Add((Renumber(id), feature));
            idfValues[feature++] = SmoothedIdf(documentCount, unigramDf[id]);
        }
        foreach (var pair in keptBigrams)
        {
            bigrams[Pair(Renumber((int)(pair >> 32)), Renumber((int)(pair & 0xFFFFFFFF)))] = feature;
            idfValues[feature++] = SmoothedIdf(documentCount, bigramDf[pair]);
        }
        var kept = new string[newId.Count];
        foreach (var (old, id) in newId) kept[id] = byId[old];
        var unigramFeature = new int[kept.Length];
        Array.Fill(unigramFeature, -1);
        foreach (var (token, f) in unigramPairs) unigramFeature[token] = f;
        return new TfidfVectorizer(kept, unigramFeature, bigrams, idfValues, maxNgram, maxChars);
    }

    /// <summary>The L2-normalised TF-IDF row of one document's tokens (an empty row when no feature occurs).</summary>
    public SparseRow Transform(IReadOnlyList<string> documentTokens)
    {
        var counts = new Dictionary<int, int>();
        var previous = -1;
        foreach (var token in Within(documentTokens, MaxChars))
        {
            var id = tokenIds.GetValueOrDefault(token, -1);
            if (id >= 0 && unigramFeature[id] >= 0) counts[unigramFeature[id]] = counts.GetValueOrDefault(unigramFeature[id]) + 1;
            if (MaxNgram == 2 && previous >= 0 && id >= 0 && bigramFeature.TryGetValue(Pair(previous, id), out var bigram))
                counts[bigram] = counts.GetValueOrDefault(bigram) + 1;
            previous = id;
        }
        var indices = counts.Keys.ToArray();
        Array.Sort(indices);
        var values = new float[indices.Length];
        var squares = 0.0;
        for (var i = 0; i < indices.Length; i++)
        {
            var value = (1 + Math.Log(counts[indices[i]])) * idf[indices[i]];
            values[i] = (float)value;
            squares += value * value;
        }
        if (squares > 0)
        {
            var scale = 1 / Math.Sqrt(squares);
            for (var i = 0; i < values.Length; i++) values[i] = (float)(values[i] * scale);
        }
        return new SparseRow(indices, values);
    }

    /// <summary>The tokens of a document up to <paramref name="maxChars"/> characters of tokens.</summary>
    internal static IEnumerable<string> Within(IReadOnlyList<string> documentTokens, int maxChars)
    {
        var characters = 0L;
        foreach (var token in documentTokens)
        {
            characters += token.Length;
            if (characters > maxChars) yield break;
            yield return token;
        }
    }

    /// <summary>Writes the vectorizer (settings, tokens, features, idf) to <paramref name="writer"/>.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(MaxNgram);
        writer.Write(MaxChars);
        writer.Write(tokens.Length);
        foreach (var token in tokens) writer.Write(token);
        writer.Write(idf.Length);
        foreach (var value in idf) writer.Write(value);
        for (var t = 0; t < tokens.Length; t++) writer.Write(unigramFeature[t]);
        writer.Write(bigramFeature.Count);
        foreach (var (pair, feature) in bigramFeature.OrderBy(p => p.Value))
        {
            writer.Write(pair);
            writer.Write(feature);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote; a value out of range is <see cref="InvalidDataException"/>.</summary>
    public static TfidfVectorizer Read(BinaryReader reader)
    {
        var maxNgram = reader.ReadInt32();
        var maxChars = reader.ReadInt32();
        var tokens = new string[Count(reader.ReadInt32())];
        for (var i = 0; i < tokens.Length; i++) tokens[i] = reader.ReadString();
        var idf = new float[Count(reader.ReadInt32())];
        for (var i = 0; i < idf.Length; i++) idf[i] = reader.ReadSingle();
        var unigramFeature = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++) unigramFeature[i] = Index(reader.ReadInt32(), idf.Length, allowNone: true);
        var bigramCount = Count(reader.ReadInt32());
        var bigrams = new Dictionary<long, int>(bigramCount, PairComparer.Instance);
        for (var i = 0; i < bigramCount; i++)
        {
            var pair = reader.ReadInt64();
            Index((int)(pair >> 32), tokens.Length, allowNone: false);
            Index((int)(pair & 0xFFFFFFFF), tokens.Length, allowNone: false);
            bigrams[pair] = Index(reader.ReadInt32(), idf.Length, allowNone: false);
        }
        if (maxNgram is not (1 or 2) || maxChars < 1) throw new InvalidDataException($"bad settings (n-grams {maxNgram}, max characters {maxChars})");
        return new TfidfVectorizer(tokens, unigramFeature, bigrams, idf, maxNgram, maxChars);
    }

    private static int Count(int value) => value >= 0 ? value : throw new InvalidDataException($"negative count {value}");

    private static int Index(int value, int count, bool allowNone) =>
        value >= 0 && value < count || allowNone && value == -1 ? value : throw new InvalidDataException($"index {value} out of range");

    private static float SmoothedIdf(int documents, int df) => (float)(Math.Log((1.0 + documents) / (1.0 + df)) + 1);

    private static long Pair(int first, int second) => (long)first << 32 | (uint)second;

    /// <summary>
    /// Hashes a token-id pair by mixing all 64 bits. <c>long.GetHashCode</c> XORs the halves, so pairs of small ids
    /// collide in long chains (measured: minutes instead of seconds on chinanews).
    /// </summary>
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();
        public bool Equals(long x, long y) => x == y;
        public int GetHashCode(long pair) => (int)((ulong)pair * 0x9E3779B97F4A7C15UL >> 32);
    }
}

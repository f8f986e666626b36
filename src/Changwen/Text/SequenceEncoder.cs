using Changwen.Data;

namespace Changwen.Text;

/// <summary>
/// Token sequences → fixed-length id rows: at most MaxLen ids (truncating at the head or the tail), padded with 0
/// after (post) or before (pre) the ids. The true length is kept so models can find the last real token.
/// </summary>
public sealed class SequenceEncoder
{
    private readonly Vocabulary vocabulary;
    private readonly EncodingOptions options;

    public SequenceEncoder(Vocabulary vocabulary, EncodingOptions options)
    {
        if (options.MaxLen < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxLen must be at least 1");
        this.vocabulary = vocabulary;
        this.options = options;
    }

    public int MaxLen => options.MaxLen;

    /// <summary>The row of <paramref name="tokens"/> (MaxLen ids, padding included) and how many of them are real.</summary>
    public (int[] Ids, int Length) Encode(IReadOnlyList<string> tokens)
    {
        var row = new int[options.MaxLen];
        var length = EncodeInto(tokens, row);
        return (row, length);
    }

    /// <summary>Writes the row into <paramref name="row"/> (MaxLen long, zeroed) and returns the true length.</summary>
    private int EncodeInto(IReadOnlyList<string> tokens, Span<int> row)
    {
        var length = Math.Min(tokens.Count, options.MaxLen);
        // head keeps tokens [0, length), tail keeps the last length tokens.
        var first = options.Truncate == TruncateSide.Head ? 0 : tokens.Count - length;
        // post puts the ids at the start of the row, pre at its end.
        var offset = options.Pad == PadSide.Post ? 0 : options.MaxLen - length;
        for (var i = 0; i < length; i++) row[offset + i] = vocabulary.IdOf(tokens[first + i]);
        return length;
    }

    /// <summary>
    /// As <see cref="Encode"/> for a document given as indices into a token table, with <paramref name="idOfToken"/>
    /// the vocabulary id of each table entry: writes the row into <paramref name="row"/> (MaxLen long, zeroed) and
    /// returns the true length.
    /// </summary>
    public int EncodeInto(ReadOnlySpan<int> tokenIndices, ReadOnlySpan<int> idOfToken, Span<int> row)
    {
        var length = Math.Min(tokenIndices.Length, options.MaxLen);
        var first = options.Truncate == TruncateSide.Head ? 0 : tokenIndices.Length - length;
        var offset = options.Pad == PadSide.Post ? 0 : options.MaxLen - length;
        for (var i = 0; i < length; i++) row[offset + i] = idOfToken[tokenIndices[first + i]];
        return length;
    }

    /// <summary>Encodes every document in order; <paramref name="labelIndex"/> maps a label to its class index.</summary>
    public EncodedDataset EncodeAll(IReadOnlyList<TokenizedDocument> docs, Func<string, int> labelIndex)
    {
        var maxLen = options.MaxLen;
        var ids = new int[(long)docs.Count * maxLen];
        var lengths = new int[docs.Count];
        var labels = new int[docs.Count];
        for (var i = 0; i < docs.Count; i++) labels[i] = labelIndex(docs[i].Label);
        Parallel.For(0, docs.Count, i => lengths[i] = EncodeInto(docs[i].Tokens, ids.AsSpan(i * maxLen, maxLen)));
        return new EncodedDataset(maxLen, ids, lengths, labels);
    }
}

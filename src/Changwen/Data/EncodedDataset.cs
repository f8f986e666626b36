namespace Changwen.Data;

/// <summary>
/// Documents encoded as fixed-length rows of token ids, ready to become tensors: the hand-over from the text stage
/// (vocabulary + encoder) to the models. Rows are stored flat (<c>Count × MaxLen</c>) so a batch is a few array copies.
/// </summary>
public sealed class EncodedDataset
{
    /// <param name="maxLen">Row width: every row holds exactly this many ids, padding included.</param>
    /// <param name="ids">Flat row-major ids, <c>Count × maxLen</c>; 0 is &lt;pad&gt;.</param>
    /// <param name="lengths">Each document's true length in tokens after truncation (1..maxLen; 0 only for an empty document).</param>
    /// <param name="labels">Each document's class index.</param>
    public EncodedDataset(int maxLen, int[] ids, int[] lengths, int[] labels)
    {
        if (maxLen <= 0) throw new ArgumentOutOfRangeException(nameof(maxLen));
        if (lengths.Length != labels.Length || ids.Length != (long)lengths.Length * maxLen)
            throw new ArgumentException($"ids ({ids.Length}), lengths ({lengths.Length}) and labels ({labels.Length}) disagree for max length {maxLen}");
        MaxLen = maxLen;
        Ids = ids;
        Lengths = lengths;
        Labels = labels;
    }

    public int MaxLen { get; }
    public int Count => Lengths.Length;
    public int[] Ids { get; }
    public int[] Lengths { get; }
    public int[] Labels { get; }

    /// <summary>The ids of document <paramref name="index"/>, padding included.</summary>
    public ReadOnlySpan<int> Row(int index) => Ids.AsSpan(index * MaxLen, MaxLen);
}

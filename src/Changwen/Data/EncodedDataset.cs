namespace Changwen.Data;

/// <summary>
/// Documents encoded as fixed-length rows of token ids, ready to become tensors: the hand-over from the text stage
/// (vocabulary + encoder) to the models. The ids are stored flat (<c>Count × MaxLen</c>), either in memory or, for a
/// corpus of any size, in an <see cref="EncodedRowFile"/> on disk (lengths and labels stay in memory: 8 bytes a
/// document). Read rows with <see cref="ReadRows"/> or <see cref="IdBlocks"/>, which work for both.
/// </summary>
public sealed class EncodedDataset : IDisposable
{
    private readonly int[]? ids;
    private readonly EncodedRowFile? file;

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
        this.ids = ids;
        Lengths = lengths;
        Labels = labels;
    }

    /// <summary>A dataset whose ids are the rows of <paramref name="file"/> (completed); it owns and disposes the file.</summary>
    public EncodedDataset(EncodedRowFile file, int[] lengths, int[] labels)
    {
        if (lengths.Length != labels.Length || file.Count != lengths.Length)
            throw new ArgumentException($"rows ({file.Count}), lengths ({lengths.Length}) and labels ({labels.Length}) disagree");
        MaxLen = file.MaxLen;
        this.file = file;
        Lengths = lengths;
        Labels = labels;
    }

    public int MaxLen { get; }
    public int Count => Lengths.Length;
    public int[] Lengths { get; }
    public int[] Labels { get; }

    /// <summary>True when the ids are in memory (<see cref="Ids"/> and <see cref="Row"/> work).</summary>
    public bool InMemory => ids is not null;

    /// <summary>All ids, flat; only for a dataset held in memory.</summary>
    public int[] Ids => ids ?? throw new InvalidOperationException("this dataset's ids are on disk: read them with ReadRows or IdBlocks");

    /// <summary>The ids of document <paramref name="index"/>, padding included; only for a dataset held in memory.</summary>
    public ReadOnlySpan<int> Row(int index) => Ids.AsSpan(index * MaxLen, MaxLen);

    /// <summary>The rows <paramref name="rows"/>, one after another (<c>rows.Length × MaxLen</c> ids).</summary>
    public int[] ReadRows(ReadOnlySpan<int> rows)
    {
        var result = new int[rows.Length * MaxLen];
        for (var i = 0; i < rows.Length;)
        {
            // Consecutive rows (evaluation reads them in order) come in one read.
            var run = 1;
            while (i + run < rows.Length && rows[i + run] == rows[i] + run) run++;
            var target = result.AsSpan(i * MaxLen, run * MaxLen);
            if (ids is not null) ids.AsSpan(rows[i] * MaxLen, run * MaxLen).CopyTo(target);
            else file!.Read(rows[i], run, target);
            i += run;
        }
        return result;
    }

    /// <summary>Every id in row order, <paramref name="rowsPerBlock"/> rows at a time (the last block may be shorter).</summary>
    public IEnumerable<ReadOnlyMemory<int>> IdBlocks(int rowsPerBlock = 4096)
    {
        if (ids is not null)
        {
            yield return ids;
            yield break;
        }
        var buffer = new int[rowsPerBlock * MaxLen];
        for (var first = 0; first < Count; first += rowsPerBlock)
        {
            var count = Math.Min(rowsPerBlock, Count - first);
            file!.Read(first, count, buffer);
            yield return buffer.AsMemory(0, count * MaxLen);
        }
    }

    /// <summary>Rows [<paramref name="start"/>, start + count) as a dataset in memory.</summary>
    public EncodedDataset Slice(int start, int count)
    {
        var slice = new int[count * MaxLen];
        if (ids is not null) ids.AsSpan(start * MaxLen, count * MaxLen).CopyTo(slice);
        else file!.Read(start, count, slice);
        return new EncodedDataset(MaxLen, slice, Lengths.AsSpan(start, count).ToArray(), Labels.AsSpan(start, count).ToArray());
    }

    public void Dispose() => file?.Dispose();
}

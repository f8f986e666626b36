using Changwen.Data;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>One batch of rows as tensors, for training and for scoring: ids <c>[B,T]</c>, true lengths <c>[B]</c> and labels <c>[B]</c>, all int64.</summary>
public sealed class Batch : IDisposable
{
    private Batch(Tensor ids, Tensor lengths, Tensor labels)
    {
        Ids = ids;
        Lengths = lengths;
        Labels = labels;
    }

    public Tensor Ids { get; }
    public Tensor Lengths { get; }
    public Tensor Labels { get; }
    public int Size => (int)Lengths.shape[0];

    /// <summary>Copies the rows <paramref name="rows"/> of <paramref name="data"/> into one buffer per tensor.</summary>
    /// <param name="trimPadding">
    /// Drop the columns that are padding in every row, so the batch is as wide as its longest document: with
    /// post-padding the right-hand columns go, with pre-padding the left-hand ones (found from the ids, so the pad side
    /// need not be told). Used with length bucketing.
    /// </param>
    /// <param name="minWidth">The narrowest batch the model takes (<c>MinSequenceLength</c>); a trimmed batch keeps that
    /// many columns, widened into the padding.</param>
    public static Batch Create(EncodedDataset data, ReadOnlySpan<int> rows, bool trimPadding = false, int minWidth = 1)
    {
        var maxLen = data.MaxLen;
        var rowIds = data.ReadRows(rows);
        var (first, width) = trimPadding ? RealColumns(rowIds, rows.Length, maxLen, minWidth) : (0, maxLen);
        var ids = new long[rows.Length * width];
        var lengths = new long[rows.Length];
        var labels = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var source = rowIds.AsSpan(i * maxLen + first, width);
            var target = ids.AsSpan(i * width, width);
            for (var t = 0; t < width; t++) target[t] = source[t];
            lengths[i] = data.Lengths[rows[i]];
            labels[i] = data.Labels[rows[i]];
        }
        return new Batch(
            tensor(ids, [rows.Length, width]),
            tensor(lengths, [rows.Length]),
            tensor(labels, [rows.Length]));
    }

    /// <summary>The span of columns holding a word in at least one of the rows, widened to at least <paramref name="minWidth"/>.</summary>
    private static (int First, int Width) RealColumns(int[] rowIds, int rowCount, int maxLen, int minWidth)
    {
        minWidth = Math.Clamp(minWidth, 1, maxLen);
        int first = maxLen, last = -1;
        for (var row = 0; row < rowCount; row++)
        {
            var ids = rowIds.AsSpan(row * maxLen, maxLen);
            var rowFirst = ids.IndexOfAnyExcept(0);
            if (rowFirst < 0) continue; // an empty document
            first = Math.Min(first, rowFirst);
            last = Math.Max(last, ids.LastIndexOfAnyExcept(0));
        }
        if (last < 0) (first, last) = (0, -1);
        // Too narrow: widen to the right while there are columns (post-padding), then to the left (pre-padding).
        var missing = minWidth - (last - first + 1);
        if (missing > 0)
        {
            var right = Math.Min(missing, maxLen - 1 - last);
            last += right;
            first -= missing - right;
        }
        return (first, last - first + 1);
    }

    public void Dispose()
    {
        Ids.Dispose();
        Lengths.Dispose();
        Labels.Dispose();
    }
}

using Changwen.Text;

namespace Changwen.Tests.Text;

public class SequenceEncoderTests
{
    // Ids: <pad>=0 <unk>=1 then a..e by ordinal order (each seen once) = 2..6.
    private static readonly Vocabulary Vocab =
        Vocabulary.Build([["a", "b", "c", "d", "e"]], new VocabularyOptions { MinCount = 1, MaxVocab = 0 });

    private static (int[] Ids, int Length) Encode(string[] tokens, int maxLen, TruncateSide truncate, PadSide pad) =>
        new SequenceEncoder(Vocab, new EncodingOptions { MaxLen = maxLen, Truncate = truncate, Pad = pad }).Encode(tokens);

    [Fact]
    public void Head_truncation_keeps_the_first_tokens()
    {
        var (ids, length) = Encode(["a", "b", "c", "d", "e"], 3, TruncateSide.Head, PadSide.Post);
        Assert.Equal(new[] { 2, 3, 4 }, ids);
        Assert.Equal(3, length);
    }

    [Fact]
    public void Tail_truncation_keeps_the_last_tokens()
    {
        var (ids, length) = Encode(["a", "b", "c", "d", "e"], 3, TruncateSide.Tail, PadSide.Pre);
        Assert.Equal(new[] { 4, 5, 6 }, ids);
        Assert.Equal(3, length);
    }

    [Fact]
    public void Post_padding_puts_zeros_after_the_ids_and_keeps_the_true_length()
    {
        var (ids, length) = Encode(["a", "zz", "c"], 6, TruncateSide.Tail, PadSide.Post);
        Assert.Equal(new[] { 2, 1, 4, 0, 0, 0 }, ids);
        Assert.Equal(3, length);
    }

    [Fact]
    public void Pre_padding_puts_zeros_before_the_ids_and_keeps_the_true_length()
    {
        var (ids, length) = Encode(["a", "zz", "c"], 6, TruncateSide.Head, PadSide.Pre);
        Assert.Equal(new[] { 0, 0, 0, 2, 1, 4 }, ids);
        Assert.Equal(3, length);
    }

    [Fact]
    public void Empty_document_is_all_padding_with_length_zero()
    {
        var (ids, length) = Encode([], 4, TruncateSide.Head, PadSide.Post);
        Assert.Equal(new int[4], ids);
        Assert.Equal(0, length);
    }

    [Fact]
    public void Encode_all_keeps_document_order_labels_and_lengths()
    {
        var docs = Enumerable.Range(0, 300)
            .Select(i => new TokenizedDocument(i % 3 == 0 ? "体育" : "财经",
                Enumerable.Range(0, i % 7).Select(j => ((char)('a' + (i + j) % 5)).ToString()).ToArray(), i, $"d{i}"))
            .ToList();
        var encoder = new SequenceEncoder(Vocab, new EncodingOptions { MaxLen = 4, Truncate = TruncateSide.Tail, Pad = PadSide.Pre });
        var data = encoder.EncodeAll(docs, label => label == "体育" ? 0 : 1);
        Assert.Equal(300, data.Count);
        Assert.Equal(4, data.MaxLen);
        for (var i = 0; i < docs.Count; i++)
        {
            var (ids, length) = encoder.Encode(docs[i].Tokens);
            Assert.Equal(ids, data.Row(i).ToArray());
            Assert.Equal(length, data.Lengths[i]);
            Assert.Equal(Math.Min(i % 7, 4), data.Lengths[i]);
            Assert.Equal(i % 3 == 0 ? 0 : 1, data.Labels[i]);
        }
    }
}

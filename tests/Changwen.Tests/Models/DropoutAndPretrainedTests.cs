using Changwen.Models;
using Changwen.Text;
using static TorchSharp.torch;

namespace Changwen.Tests.Models;

[Collection("torch")]
public sealed class DropoutAndPretrainedTests
{
    private static ModelOptions Small(ModelKind kind) => new()
    {
        Kind = kind, EmbeddingDim = 4, HiddenDim = 8, KernelSize = 3, PkernelSize = 2, FilterWidths = "2,3", Filters = 4, NgramBuckets = 50,
    };

    /// <summary>Every network (linear and auto are not networks: no dropout, no embeddings).</summary>
    public static TheoryData<ModelKind> Kinds => new(Enum.GetValues<ModelKind>().Where(k => k is not (ModelKind.Linear or ModelKind.Auto)));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Dropout_changes_training_outputs_only_and_adds_no_weights(ModelKind kind)
    {
        using var plain = ModelFactory.Create(Small(kind), vocabSize: 20, numClasses: 3, seed: 1);
        using var dropped = ModelFactory.Create(Small(kind) with { Dropout = 0.5 }, vocabSize: 20, numClasses: 3, seed: 1);
        Assert.Equal(plain.state_dict().Keys.Order(), dropped.state_dict().Keys.Order());
        using var scope = NewDisposeScope();
        var ids = randint(1, 20, [6, 12], dtype: ScalarType.Int64);
        var lengths = full(6, 12L);
        dropped.eval();
        Assert.True(allclose(dropped.call(ids, lengths), dropped.call(ids, lengths)));
        dropped.train();
        Assert.False(allclose(dropped.call(ids, lengths), dropped.call(ids, lengths)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pretrained_vectors_fill_their_words_rows_zero_the_pad_row_and_can_be_frozen(ModelKind kind)
    {
        using var dir = new TempDir();
        var vocabulary = Vocabulary.Build([["北京", "上海", "广州", "北京"]], new VocabularyOptions()); // 北京=2, 上海=3, 广州=4
        var path = dir.File("vectors.txt", "2 4\n上海 0.1 0.2 0.3 0.4\n北京 1 2 3 4\n");
        var vectors = WordVectors.Read(path, vocabulary, expectedDimension: 4);

        using var model = ModelFactory.Create(Small(kind) with { FreezeEmbeddings = true }, vocabulary.Count, 3, seed: 2);
        var before = model.WordEmbeddings.detach().clone();
        model.LoadWordVectors(vectors);
        var weight = model.WordEmbeddings;
        Assert.Equal(new float[] { 1, 2, 3, 4 }, weight[vocabulary.IdOf("北京")].data<float>().ToArray());
        Assert.Equal(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }, weight[vocabulary.IdOf("上海")].data<float>().ToArray());
        Assert.Equal(new float[4], weight[Vocabulary.PadId].data<float>().ToArray());
        // Not in the file: the random initial values are kept (for <unk> too).
        Assert.Equal(before[vocabulary.IdOf("广州")].data<float>().ToArray(), weight[vocabulary.IdOf("广州")].data<float>().ToArray());
        Assert.Equal(before[Vocabulary.UnknownId].data<float>().ToArray(), weight[Vocabulary.UnknownId].data<float>().ToArray());
        Assert.False(weight.requires_grad);
        Assert.Contains(model.parameters(), p => p.requires_grad); // the rest still trains
    }
}

using Changwen.Data;
using Changwen.Text;
using Changwen.Pipeline;
using Changwen.Training;

namespace Changwen.Tests.Text;

/// <summary>
/// The streamed path (segmentation file read a document at a time, vocabulary counted in a pass, rows on disk) must
/// give exactly what the in-memory path gives: the same vocabulary, rows, lengths and labels.
/// </summary>
public class StreamedEncodingTests
{
    private static readonly string[] Classes = ["体育", "科技", "财经"];

    /// <summary>Invented documents of varied length (some longer than the row), seeded.</summary>
    private static IEnumerable<Document> Read(Split split)
    {
        var random = new Random(split switch { Split.Train => 1, Split.Val => 2, _ => 3 });
        var count = split == Split.Train ? 120 : split == Split.Val ? 0 : 20;
        string[] words = ["比赛", "球队", "冠军", "手机", "芯片", "网络", "股市", "银行", "利率", "今天", "我们", "一个", "罕见词"];
        for (var i = 0; i < count; i++)
        {
            var label = Classes[random.Next(Classes.Length)];
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => words[random.Next(words.Length)]));
            yield return new Document(label, text, $"{split}:{i + 1}");
        }
    }

    [Theory]
    [InlineData(16, TruncateSide.Head, PadSide.Post, 1, 50_000)]
    [InlineData(16, TruncateSide.Tail, PadSide.Pre, 2, 8)]
    [InlineData(64, TruncateSide.Head, PadSide.Pre, 1, 0)]
    public void Streamed_encoding_equals_the_in_memory_one(int maxLen, TruncateSide truncate, PadSide pad, int minCount, int maxVocab)
    {
        using var dir = new TempDir();
        var encoding = new EncodingOptions { MaxLen = maxLen, Truncate = truncate, Pad = pad };
        var vocabularyOptions = new VocabularyOptions { MinCount = minCount, MaxVocab = maxVocab };
        var tokenizer = new CharTokenizer();

        // In memory, as training did before: the whole corpus as strings, validation carved from train.
        var tokenized = Segmentation.Run(Read, Classes, "v1", tokenizer, "char", "", null, CancellationToken.None);
        var (train, val) = TrainingJob.CarveValidation(tokenized.Train, seed: 42, TrainingJob.CarvedValFraction);
        var expectedVocabulary = Vocabulary.Build(train.Select(d => (IReadOnlyList<string>)d.Tokens), vocabularyOptions);
        var encoder = new SequenceEncoder(expectedVocabulary, encoding);
        int Label(string label) => Array.IndexOf(Classes, label);

        using var segmented = Segmentation.Open(Read, Classes, "v1", tokenizer, "char", dir.Path, null, CancellationToken.None);
        var heldOut = TrainingJob.CarvedRows(segmented.Labels(Split.Train).Select(l => segmented.LabelTable[l]).ToArray(), 42, TrainingJob.CarvedValFraction);
        using var streamed = CorpusEncoding.Encode(segmented, Classes, heldOut, build => build(), vocabularyOptions, encoding,
            "corpus", dir.Path, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, expectedVocabulary.Count).Select(expectedVocabulary.TokenOf),
            Enumerable.Range(0, streamed.Vocabulary.Count).Select(streamed.Vocabulary.TokenOf));
        foreach (var (docs, encoded) in new[] { (train, streamed.Train), (val, streamed.Val), (tokenized.Test, streamed.Test) })
        {
            Assert.False(encoded.InMemory);
            var expected = encoder.EncodeAll(docs, Label);
            Assert.Equal(expected.Lengths, encoded.Lengths);
            Assert.Equal(expected.Labels, encoded.Labels);
            Assert.Equal(expected.Ids, encoded.ReadRows(Enumerable.Range(0, encoded.Count).ToArray()));
            Assert.Equal(expected.Ids, encoded.IdBlocks(rowsPerBlock: 7).SelectMany(b => b.ToArray()));
        }
        Assert.Equal(train.Select(d => d.Tokens.Length), streamed.RawTrainLengths);
        Assert.Equal(expectedVocabulary.UnknownRate(train.Select(d => (IReadOnlyList<string>)d.Tokens)), streamed.TrainUnknownRate, 12);
        Assert.Equal(expectedVocabulary.UnknownRate(val.Select(d => (IReadOnlyList<string>)d.Tokens)), streamed.ValUnknownRate, 12);
    }

    [Fact]
    public void A_label_outside_the_classes_is_refused_naming_the_document()
    {
        using var dir = new TempDir();
        using var segmented = Segmentation.Open(Read, Classes, "v1", new CharTokenizer(), "char", dir.Path, null, CancellationToken.None);
        var error = Assert.Throws<UserInputException>(() => CorpusEncoding.Encode(segmented, ["体育", "科技"], null, build => build(),
            new VocabularyOptions(), new EncodingOptions { MaxLen = 8 }, "corpus.tsv", dir.Path, CancellationToken.None));
        Assert.Contains("'财经'", error.Message);
        Assert.Contains("Train:", error.Message);
    }

    [Fact]
    public void Segmented_corpus_streams_what_the_in_memory_run_holds_and_a_temporary_one_is_deleted()
    {
        var expected = Segmentation.Run(Read, Classes, "v1", new CharTokenizer(), "char", "", null, CancellationToken.None);
        var segmented = Segmentation.Open(Read, Classes, "v1", new CharTokenizer(), "char", "", null, CancellationToken.None);
        Assert.Null(segmented.CachePath);
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
        {
            var docs = segmented.Read(split).Select(segmented.ToTokenized).ToList();
            Assert.Equal(expected[split].Select(d => (d.Label, d.Source, d.Characters, string.Join(' ', d.Tokens))),
                docs.Select(d => (d.Label, d.Source, d.Characters, string.Join(' ', d.Tokens))));
            Assert.Equal(docs.Select(d => d.Label), segmented.Labels(split).Select(l => segmented.LabelTable[l]));
        }
        Assert.True(File.Exists(segmented.Path));
        segmented.Dispose();
        Assert.False(File.Exists(segmented.Path));
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(70_000)]
    public void Row_file_reads_back_what_was_written_and_leaves_no_file(int vocabularySize)
    {
        using var dir = new TempDir();
        var random = new Random(5);
        var rows = Enumerable.Range(0, 300).Select(_ => Enumerable.Range(0, 9).Select(_ => random.Next(vocabularySize)).ToArray()).ToArray();
        using var file = EncodedRowFile.Create(dir.Path, 9, vocabularySize);
        Assert.Empty(Directory.EnumerateFiles(dir.Path));
        Assert.Equal(vocabularySize <= 65_536 ? 2 : 4, file.IdBytes);
        foreach (var row in rows) file.Append(row);
        file.Complete();
        var back = new int[9 * 3];
        file.Read(100, 3, back);
        Assert.Equal(rows[100].Concat(rows[101]).Concat(rows[102]), back);
        using var data = new EncodedDataset(file, new int[300], new int[300]);
        int[] picked = [299, 0, 1, 2, 57];
        Assert.Equal(picked.SelectMany(r => rows[r]), data.ReadRows(picked));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 8)]
    public void Word_statistics_streamed_from_the_segmentation_equal_the_in_memory_ones(int minCount, int maxVocab)
    {
        using var dir = new TempDir();
        var options = new VocabularyOptions { MinCount = minCount, MaxVocab = maxVocab };
        var tokenizer = new CharTokenizer();
        var tokenized = Segmentation.Run(Read, Classes, "v1", tokenizer, "char", "", null, CancellationToken.None);
        using var segmented = Segmentation.Open(Read, Classes, "v1", tokenizer, "char", dir.Path, null, CancellationToken.None);

        var expected = WordStatistics.Of(tokenized, options);
        var streamed = WordStatistics.Of(segmented, options);
        Assert.Equal(expected, streamed);
        Assert.NotNull(streamed.UnknownRate.Test);
        Assert.True(maxVocab == 0 || streamed.UnknownRate.Test > 0);
    }
}

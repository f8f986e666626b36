using System.IO.Compression;
using System.Text;
using Changwen.Text;

namespace Changwen.Tests.Text;

public sealed class WordVectorsTests
{
    // Training counts: 新闻 ×3, 体育 ×2, 经济 ×1 → ids 2, 3, 4.
    private static readonly Vocabulary Vocab = Vocabulary.Build([["新闻", "体育", "新闻", "经济", "新闻", "体育"]], new VocabularyOptions());

    [Fact]
    public void Reads_a_word2vec_file_with_a_header_line()
    {
        using var dir = new TempDir();
        var path = dir.File("v.txt", "3 3\n新闻 0.5 -1 2e-1\n天气 1 1 1\n体育 3 2 1\n");
        var vectors = WordVectors.Read(path, Vocab, expectedDimension: 3);
        Assert.Equal(3, vectors.Dimension);
        Assert.Equal(3, vectors.VectorsInFile);
        Assert.Equal(new[] { 0.5f, -1f, 0.2f }, vectors.Rows[Vocab.IdOf("新闻")]);
        Assert.Equal(new[] { 3f, 2f, 1f }, vectors.Rows[Vocab.IdOf("体育")]);
        Assert.Equal(2, vectors.Rows.Count); // 天气 is not in the vocabulary
    }

    [Fact]
    public void Reads_a_glove_file_without_a_header_line_taking_the_dimension_from_the_first_vector()
    {
        using var dir = new TempDir();
        var path = dir.File("glove.txt", "经济 1 2 3 4\n新闻 5 6 7 8 \n");
        var vectors = WordVectors.Read(path, Vocab, expectedDimension: 4);
        Assert.Equal(new[] { 5f, 6f, 7f, 8f }, vectors.Rows[Vocab.IdOf("新闻")]);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, vectors.Rows[Vocab.IdOf("经济")]);
    }

    [Fact]
    public void Refuses_a_line_of_the_wrong_dimension_naming_the_file_and_line()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.txt", "2 3\n新闻 1 2 3\n体育 1 2\n");
        var e = Assert.Throws<UserInputException>(() => WordVectors.Read(path, Vocab, 3));
        Assert.StartsWith($"{path}:3: 2 values where the file's vectors have 3", e.Message);
    }

    [Fact]
    public void Refuses_vectors_whose_dimension_differs_from_the_model_naming_the_flag()
    {
        using var dir = new TempDir();
        var withHeader = dir.File("h.txt", "1 3\n新闻 1 2 3\n");
        var e = Assert.Throws<UserInputException>(() => WordVectors.Read(withHeader, Vocab, 128));
        Assert.Equal($"{withHeader}:1: the vectors have 3 dimensions but the model's embeddings have 128. Pass --embedding-dim 3", e.Message);
        var withoutHeader = dir.File("g.txt", "新闻 1 2 3\n");
        Assert.StartsWith($"{withoutHeader}:1: the vectors have 3 dimensions", Assert.Throws<UserInputException>(() => WordVectors.Read(withoutHeader, Vocab, 128)).Message);
    }

    [Fact]
    public void Refuses_a_value_that_is_not_a_number_and_a_missing_file()
    {
        using var dir = new TempDir();
        var path = dir.File("nan.txt", "新闻 1 x 3\n");
        Assert.StartsWith($"{path}:1: 'x' is not a finite number", Assert.Throws<UserInputException>(() => WordVectors.Read(path, Vocab, 3)).Message);
        var missing = Path.Combine(dir.Path, "none.vec");
        Assert.StartsWith($"{missing}: word vector file not found", Assert.Throws<UserInputException>(() => WordVectors.Read(missing, Vocab, 3)).Message);
    }

    [Fact]
    public void Reads_a_gzip_compressed_file_whatever_its_name()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "vectors.bin");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            gzip.Write(Encoding.UTF8.GetBytes("2 2\n体育 1 2\n经济 3 4\n"));
        var vectors = WordVectors.Read(path, Vocab, 2);
        Assert.Equal(new[] { 1f, 2f }, vectors.Rows[Vocab.IdOf("体育")]);
        Assert.Equal(new[] { 3f, 4f }, vectors.Rows[Vocab.IdOf("经济")]);
    }

    [Fact]
    public void Coverage_counts_vocabulary_words_and_training_tokens_with_a_vector()
    {
        using var dir = new TempDir();
        // 体育 (2 of 6 tokens) twice: the first vector is kept and the word counted once.
        var path = dir.File("v.txt", "体育 1 1\n外星 2 2\n体育 9 9\n");
        var vectors = WordVectors.Read(path, Vocab, 2);
        Assert.Equal(new[] { 1f, 1f }, vectors.Rows[Vocab.IdOf("体育")]);
        Assert.Equal(new WordVectorCoverage(Words: 3, Found: 1, WordShare: 1.0 / 3, TokenShare: 2.0 / 6), vectors.Coverage);
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Changwen.Text;

/// <summary>
/// Pretrained word vectors for the words of a vocabulary, read from a word2vec/GloVe text file: one word per line
/// followed by its numbers, separated by spaces (or tabs), optionally after a word2vec header line "count dimension".
/// The file may be gzip-compressed (recognised by its first bytes, whatever its name). It is streamed: only the
/// vectors of vocabulary words are kept, so a file of millions of vectors costs no more memory than the vocabulary.
/// </summary>
public sealed class WordVectors
{
    private WordVectors(string path, int dimension, long vectorsInFile, IReadOnlyDictionary<int, float[]> rows, WordVectorCoverage coverage)
    {
        Path = path;
        Dimension = dimension;
        VectorsInFile = vectorsInFile;
        Rows = rows;
        Coverage = coverage;
    }

    public string Path { get; }
    public int Dimension { get; }
    /// <summary>Vector lines read from the file (all of them, not only the vocabulary's).</summary>
    public long VectorsInFile { get; }
    /// <summary>Vocabulary id → vector, for the vocabulary words the file holds (never &lt;pad&gt; or &lt;unk&gt;).</summary>
    public IReadOnlyDictionary<int, float[]> Rows { get; }
    public WordVectorCoverage Coverage { get; }

    /// <summary>
    /// Reads the vectors of <paramref name="vocabulary"/>'s words from <paramref name="path"/>. A word listed twice
    /// keeps its first vector (word2vec files are sorted by frequency). Matching is exact (no case folding).
    /// </summary>
    /// <param name="expectedDimension">The model's embedding size; vectors of another size are refused, naming the
    /// flag that fixes it.</param>
    /// <exception cref="UserInputException">A missing file, a line with a number of values other than the dimension,
    /// a value that is not a number, or a dimension other than <paramref name="expectedDimension"/>.</exception>
    public static WordVectors Read(string path, Vocabulary vocabulary, int expectedDimension)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw UserInputException.At(full, null, "word vector file not found. Give a word2vec/GloVe text file (plain or .gz)");
        using var reader = new StreamReader(OpenMaybeGzip(full), new UTF8Encoding(false, throwOnInvalidBytes: false));

        var rows = new Dictionary<int, float[]>();
        int dimension = -1;
        long lineNumber = 0, vectors = 0;
        string? line;
        while ((line = ReadLine(reader, full, lineNumber + 1)) is not null)
        {
            lineNumber++;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            if (lineNumber == 1 && IsHeader(fields, out var headerDimension))
            {
                dimension = CheckDimension(full, lineNumber, headerDimension, expectedDimension);
                continue;
            }
            if (fields.Length < 2)
                throw UserInputException.At(full, lineNumber, "a line holds a word without numbers. Give one word and its vector per line");
            if (dimension < 0) dimension = CheckDimension(full, lineNumber, fields.Length - 1, expectedDimension);
            if (fields.Length - 1 != dimension)
                throw UserInputException.At(full, lineNumber,
                    $"{fields.Length - 1} values where the file's vectors have {dimension}. Fix or remove this line (a word containing spaces is not supported)");
            vectors++;
            var id = vocabulary.IdOf(fields[0]);
            if (id <= Vocabulary.UnknownId || rows.ContainsKey(id)) continue;
            var vector = new float[dimension];
            for (var i = 0; i < dimension; i++)
                if (!float.TryParse(fields[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out vector[i]) || !float.IsFinite(vector[i]))
                    throw UserInputException.At(full, lineNumber, $"'{fields[i + 1]}' is not a finite number. Fix the vector file");
            rows[id] = vector;
        }
        if (dimension < 0) throw UserInputException.At(full, null, "holds no vectors. Give a word2vec/GloVe text file");
        return new WordVectors(full, dimension, vectors, rows, WordVectorCoverage.Of(vocabulary, rows.Keys));
    }

    /// <summary>word2vec's first line: exactly two non-negative integers (vector count and dimension).</summary>
    private static bool IsHeader(string[] fields, out int dimension)
    {
        dimension = 0;
        return fields.Length == 2
               && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out _)
               && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out dimension)
               && dimension > 0;
    }

    private static int CheckDimension(string path, long line, int dimension, int expected) => dimension == expected
        ? dimension
        : throw UserInputException.At(path, line,
            $"the vectors have {dimension} dimensions but the model's embeddings have {expected}. Pass --embedding-dim {dimension}");

    private static string? ReadLine(StreamReader reader, string path, long lineNumber)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw UserInputException.At(path, lineNumber, $"is not a valid gzip file ({e.Message}). Re-compress or decompress it");
        }
    }

    private static Stream OpenMaybeGzip(string path)
    {
        var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        var read = stream.Read(magic);
        stream.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new Changwen.IO.CheckedGzipStream(stream) : stream;
    }
}

/// <summary>How much of a vocabulary pretrained vectors cover.</summary>
/// <param name="Words">Vocabulary words (without &lt;pad&gt; and &lt;unk&gt;).</param>
/// <param name="Found">Of those, the ones the vector file holds.</param>
/// <param name="WordShare">Found / Words.</param>
/// <param name="TokenShare">Share of the training tokens that have a vocabulary id whose word the file holds
/// (each word weighted by its training count).</param>
public sealed record WordVectorCoverage(int Words, int Found, double WordShare, double TokenShare)
{
    public static WordVectorCoverage Of(Vocabulary vocabulary, IEnumerable<int> foundIds)
    {
        var found = foundIds.ToHashSet();
        long allTokens = 0, foundTokens = 0;
        for (var id = Vocabulary.UnknownId + 1; id < vocabulary.Count; id++)
        {
            allTokens += vocabulary.CountOf(id);
            if (found.Contains(id)) foundTokens += vocabulary.CountOf(id);
        }
        var words = vocabulary.Count - 2;
        return new WordVectorCoverage(words, found.Count, words == 0 ? 0 : (double)found.Count / words,
            allTokens == 0 ? 0 : (double)foundTokens / allTokens);
    }
}

using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Tfidf;

/// <summary>
/// A fitted logistic regression over TF-IDF features: the vectorizer, one weight vector and bias per class, the
/// regularisation it was fitted with and its <see cref="LinearForm"/>. A multinomial model's probabilities are the
/// softmax of <c>W·x + b</c>, the same function ML.NET's maximum-entropy model computes (a test compares the two); a
/// one-vs-rest model's are the sigmoids of <c>W·x + b</c> divided by their sum.
/// </summary>
public sealed class LinearModel
{
    /// <summary>The run-folder file holding the model (<see cref="Save"/>).</summary>
    public const string FileName = Runs.RunFolder.LinearModelFile;
    /// <summary>A multinomial model's file, the only kind before the one-vs-rest form: unchanged, so old files load as they were.</summary>
    private const string Magic = "changwen-linear-1";
    /// <summary>A model of another <see cref="LinearForm"/>: the same layout with the form after the magic.</summary>
    private const string MagicWithForm = "changwen-linear-2";

    private readonly float[][] weights;
    private readonly float[] biases;

    public LinearModel(TfidfVectorizer vectorizer, float[][] weights, float[] biases, double c, LinearForm form = LinearForm.Multinomial)
    {
        if (!Enum.IsDefined(form)) throw new ArgumentOutOfRangeException(nameof(form), form, "unknown linear form");
        if (weights.Length != biases.Length || weights.Length < 2)
            throw new ArgumentException($"{weights.Length} weight vectors and {biases.Length} biases: need one of each per class, at least two classes");
        if (weights.Any(w => w.Length != vectorizer.FeatureCount))
            throw new ArgumentException($"every weight vector must have {vectorizer.FeatureCount} entries, one per feature");
        Vectorizer = vectorizer;
        this.weights = weights;
        this.biases = biases;
        C = c;
        Form = form;
    }

    public TfidfVectorizer Vectorizer { get; }
    public int ClassCount => biases.Length;
    /// <summary>The inverse regularisation strength the weights were fitted with.</summary>
    public double C { get; }
    /// <summary>Softmax of the scores, or one-vs-rest sigmoids normalised to sum to 1.</summary>
    public LinearForm Form { get; }

    /// <summary>The probabilities of every class for a feature row (see <see cref="Form"/>).</summary>
    public float[] Probabilities(SparseRow row)
    {
        var scores = new double[ClassCount];
        for (var c = 0; c < scores.Length; c++)
        {
            var w = weights[c];
            double score = biases[c];
            for (var i = 0; i < row.Indices.Length; i++) score += (double)w[row.Indices[i]] * row.Values[i];
            scores[c] = score;
        }
        return Normalise(scores, Form);
    }

    /// <summary>The probabilities of class scores W·x + b in <paramref name="form"/> (overwrites <paramref name="scores"/>).</summary>
    internal static float[] Normalise(double[] scores, LinearForm form)
    {
        var sum = 0.0;
        if (form == LinearForm.OneVsRest)
            for (var c = 0; c < scores.Length; c++) sum += scores[c] = 1 / (1 + Math.Exp(-scores[c]));
        else
        {
            var max = scores.Max();
            for (var c = 0; c < scores.Length; c++) sum += scores[c] = Math.Exp(scores[c] - max);
        }
        var result = new float[scores.Length];
        for (var c = 0; c < scores.Length; c++) result[c] = (float)(scores[c] / sum);
        return result;
    }

    /// <summary>The probabilities of a tokenized document.</summary>
    public float[] Probabilities(IReadOnlyList<string> tokens) => Probabilities(Vectorizer.Transform(tokens));

    /// <summary>
    /// Writes the model atomically: header, vectorizer, weights, biases, then a SHA-256 of all of it. The bytes stream
    /// into the file through the hash: a model of 2 M features and 17 classes is some 200 MB, which a buffer in memory
    /// would double at the end of training, the run's peak (docs/benchmarks.md, "Memory at scale").
    /// </summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var hashing = new HashingWriteStream(stream, hash))
        using (var buffered = new BufferedStream(hashing, 1 << 16))
        using (var writer = new BinaryWriter(buffered, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            if (Form == LinearForm.Multinomial) writer.Write(Magic);
            else
            {
                writer.Write(MagicWithForm);
                writer.Write((int)Form);
            }
            writer.Write(C);
            writer.Write(ClassCount);
            Vectorizer.Write(writer);
            foreach (var w in weights) writer.Write(MemoryMarshal.AsBytes(w.AsSpan()));
            foreach (var b in biases) writer.Write(b);
            writer.Flush();
            buffered.Flush();
        }
        stream.Write(hash.GetHashAndReset());
    });

    /// <summary>Reads a model written by <see cref="Save"/>; a missing, damaged or altered file is the user's to fix.</summary>
    public static LinearModel Load(string path)
    {
        if (!File.Exists(path))
            throw UserInputException.At(path, null, "linear model file not found. Point to the run folder of a finished `changwen train --model linear` run");
        try
        {
            // Checked whole first, then parsed, both streamed from the file: no value of a damaged file is ever used,
            // and the model is never held twice (as bytes and as arrays).
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            var bodyLength = file.Length - 32;
            if (bodyLength < 0) throw new InvalidDataException("too short");
            if (!SHA256.HashData(new StreamWindow(file, 0, bodyLength)).AsSpan().SequenceEqual(Tail(file, 32)))
                throw new InvalidDataException("checksum mismatch: the file is truncated or altered");
            file.Position = 0;
            using var reader = new BinaryReader(new StreamWindow(file, 0, bodyLength), System.Text.Encoding.UTF8);
            var form = reader.ReadString() switch
            {
                Magic => LinearForm.Multinomial,
                MagicWithForm => (LinearForm)reader.ReadInt32(),
                _ => throw new InvalidDataException("not a Changwen linear model"),
            };
            if (!Enum.IsDefined(form)) throw new InvalidDataException($"unknown linear form {(int)form}");
            var c = reader.ReadDouble();
            var classes = reader.ReadInt32();
            if (classes < 2) throw new InvalidDataException($"{classes} classes");
            var vectorizer = TfidfVectorizer.Read(reader);
            var weights = new float[classes][];
            for (var k = 0; k < classes; k++)
            {
                weights[k] = new float[vectorizer.FeatureCount];
                reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(weights[k].AsSpan()));
            }
            var biases = new float[classes];
            for (var k = 0; k < classes; k++) biases[k] = reader.ReadSingle();
            if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException("bytes left over");
            return new LinearModel(vectorizer, weights, biases, c, form);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException or IOException)
        {
            throw UserInputException.At(path, null, $"damaged linear model ({e.Message.TrimEnd('.')}). Retrain, or restore the file from the training run");
        }
    }

    /// <summary>The last <paramref name="count"/> bytes of a file.</summary>
    private static byte[] Tail(FileStream file, int count)
    {
        var bytes = new byte[count];
        file.Position = file.Length - count;
        file.ReadExactly(bytes);
        return bytes;
    }
}

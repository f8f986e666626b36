using Changwen.Data;
using Changwen.Tfidf;
using Changwen.Models;
using Changwen.Text;
using Changwen.Training;

namespace Changwen.Bundle;

/// <summary>
/// What turns texts into class probabilities inside a <see cref="TextClassifier"/>: a network over encoded rows, the
/// linear model over TF-IDF rows, or the average of two loaded classifiers. Safe for concurrent callers.
/// </summary>
internal interface IProbabilityScorer : IDisposable
{
    /// <summary>The softmax probabilities of every class for texts[start..start+count), <c>[count][classes]</c>.</summary>
    float[][] Score(IReadOnlyList<string> texts, int start, int count, int batchSize);

    /// <summary>The same for documents already tokenized as in training (the segmentation cache's tokens).</summary>
    float[][] ScoreTokens(IReadOnlyList<string[]> documents, int batchSize);

    /// <summary>The files whose content is the model's parameters (hashed into the served model's version).</summary>
    IReadOnlyList<string> WeightFiles { get; }
}

/// <summary>A TorchSharp network: texts tokenized and encoded as in training, one forward pass at a time under a lock.</summary>
internal sealed class NetworkScorer(TextClassifierModel model, ITokenizer tokenizer, SequenceEncoder encoder, string weightsFile) : IProbabilityScorer
{
    private readonly Lock forwardLock = new();

    public IReadOnlyList<string> WeightFiles { get; } = [weightsFile];

    public float[][] Score(IReadOnlyList<string> texts, int start, int count, int batchSize)
    {
        var data = Encode(texts, start, count);
        lock (forwardLock)
        {
            TorchRuntime.FlushDenormals();   // per thread, and the caller's thread may not be the one that loaded
            return Predictor.PredictProbabilities(model, data, batchSize); // eval mode, no_grad, dispose scope per batch
        }
    }

    public float[][] ScoreTokens(IReadOnlyList<string[]> documents, int batchSize)
    {
        var maxLen = encoder.MaxLen;
        var ids = new int[documents.Count * maxLen];
        var lengths = new int[documents.Count];
        Parallel.For(0, documents.Count, i =>
        {
            var (row, length) = encoder.Encode(documents[i]);
            row.CopyTo(ids.AsSpan(i * maxLen, maxLen));
            lengths[i] = length;
        });
        var data = new EncodedDataset(maxLen, ids, lengths, new int[documents.Count]);
        lock (forwardLock)
        {
            TorchRuntime.FlushDenormals();
            return Predictor.PredictProbabilities(model, data, batchSize);
        }
    }

    /// <summary>Tokenizes and encodes texts[start..start+count) exactly as training encoded its documents.</summary>
    private EncodedDataset Encode(IReadOnlyList<string> texts, int start, int count)
    {
        var maxLen = encoder.MaxLen;
        var ids = new int[count * maxLen];
        var lengths = new int[count];
        Parallel.For(0, count, i =>
        {
            var text = texts[start + i] ?? throw new ArgumentNullException(nameof(texts), $"text {start + i} is null");
            var (row, length) = encoder.Encode(tokenizer.Tokenize(text));
            row.CopyTo(ids.AsSpan(i * maxLen, maxLen));
            lengths[i] = length;
        });
        return new EncodedDataset(maxLen, ids, lengths, new int[count]);
    }

    public void Dispose() => model.Dispose();
}

/// <summary>
/// The linear model: each text cut to the model's character bound (so a pathological input cannot stall jieba),
/// tokenized, turned into its TF-IDF row and scored; the model is read-only, so no lock.
/// </summary>
internal sealed class LinearScorer(LinearModel model, ITokenizer tokenizer, string modelFile) : IProbabilityScorer
{
    public IReadOnlyList<string> WeightFiles { get; } = [modelFile];

    public float[][] Score(IReadOnlyList<string> texts, int start, int count, int batchSize)
    {
        var result = new float[count][];
        var maxChars = model.Vectorizer.MaxChars;
        Parallel.For(0, count, i =>
        {
            var text = texts[start + i] ?? throw new ArgumentNullException(nameof(texts), $"text {start + i} is null");
            if (text.Length > maxChars) text = text[..maxChars];
            result[i] = model.Probabilities(tokenizer.Tokenize(text));
        });
        return result;
    }

    public float[][] ScoreTokens(IReadOnlyList<string[]> documents, int batchSize)
    {
        var result = new float[documents.Count][];
        Parallel.For(0, documents.Count, i => result[i] = model.Probabilities(documents[i]));
        return result;
    }

    public void Dispose() { }
}

/// <summary>The mean of the probabilities of several classifiers over the same labels (the ensemble <c>--model auto</c> may keep).</summary>
internal sealed class AverageScorer(IReadOnlyList<TextClassifier> members) : IProbabilityScorer
{
    public IReadOnlyList<string> WeightFiles { get; } = members.SelectMany(m => m.WeightFiles).ToList();

    public float[][] Score(IReadOnlyList<string> texts, int start, int count, int batchSize)
    {
        var slice = texts.Skip(start).Take(count).ToList();
        return Average(members.Select(m => m.PredictProbabilities(slice, batchSize)).ToList(), count);
    }

    public float[][] ScoreTokens(IReadOnlyList<string[]> documents, int batchSize) =>
        Average(members.Select(m => m.PredictTokenized(documents, batchSize)).ToList(), documents.Count);

    internal static float[][] Average(IReadOnlyList<float[][]> all, int count)
    {
        var result = new float[count][];
        for (var i = 0; i < count; i++)
        {
            result[i] = new float[all[0][i].Length];
            for (var k = 0; k < result[i].Length; k++)
                result[i][k] = all.Sum(p => p[i][k]) / all.Count;
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var member in members) member.Dispose();
    }
}

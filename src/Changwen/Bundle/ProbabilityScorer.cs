using Changwen.Data;
using Changwen.Tfidf;
using Changwen.Models;
using Changwen.Text;

namespace Changwen.Bundle;

/// <summary>
/// What turns tokenized documents into class probabilities inside a <see cref="TextClassifier"/>: a network over
/// encoded rows (libtorch, or ONNX Runtime for an export), the linear model over TF-IDF rows, or the average of two
/// loaded classifiers. The classifier cuts and tokenizes; the scorer only scores. Safe for concurrent callers.
/// </summary>
internal interface IProbabilityScorer : IDisposable
{
    /// <summary>The softmax probabilities of every class for each document, <c>[documents][classes]</c>.</summary>
    float[][] ScoreTokens(IReadOnlyList<string[]> documents, int batchSize);

    /// <summary>The most characters of one text that can change the scores (longer texts are cut before tokenizing).</summary>
    int MaxTextChars { get; }

    /// <summary>Whether scoring runs in libtorch (whose threads need denormals flushed, as in training).</summary>
    bool UsesLibtorch { get; }

    /// <summary>The files whose content is the model's parameters (hashed into the served model's version).</summary>
    IReadOnlyList<string> WeightFiles { get; }
}

/// <summary>
/// A network scored on rows encoded as in training: <see cref="TextClassifier.CharsPerWord"/> characters per word of
/// max_len reach the tokenizer, since segmenting more cannot change the kept words.
/// </summary>
internal abstract class EncodedRowsScorer(SequenceEncoder encoder) : IProbabilityScorer
{
    public int MaxTextChars => TextClassifier.CharsPerWord * encoder.MaxLen;
    public abstract bool UsesLibtorch { get; }
    public abstract IReadOnlyList<string> WeightFiles { get; }

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
        return Score(new EncodedDataset(maxLen, ids, lengths, new int[documents.Count]), batchSize);
    }

    protected abstract float[][] Score(EncodedDataset rows, int batchSize);

    public abstract void Dispose();
}

/// <summary>A TorchSharp network: one forward pass at a time under a lock (the module's eval/train switch is shared state).</summary>
internal sealed class NetworkScorer(TextClassifierModel model, SequenceEncoder encoder, string weightsFile) : EncodedRowsScorer(encoder)
{
    private readonly Lock forwardLock = new();

    public override bool UsesLibtorch => true;
    public override IReadOnlyList<string> WeightFiles { get; } = [weightsFile];

    protected override float[][] Score(EncodedDataset rows, int batchSize)
    {
        lock (forwardLock)
        {
            TorchRuntime.FlushDenormals();   // per thread, and the caller's thread may not be the one that loaded
            return Predictor.PredictProbabilities(model, rows, batchSize); // eval mode, no_grad, dispose scope per batch
        }
    }

    public override void Dispose() => model.Dispose();
}

/// <summary>A network exported to ONNX, scored by ONNX Runtime (whose Run is safe for concurrent callers); libtorch is never loaded.</summary>
internal sealed class OnnxNetworkScorer(Export.OnnxScorer onnx, SequenceEncoder encoder) : EncodedRowsScorer(encoder)
{
    public override bool UsesLibtorch => false;
    public override IReadOnlyList<string> WeightFiles { get; } = [Path.Combine(onnx.Directory, onnx.Manifest.Model)];

    protected override float[][] Score(EncodedDataset rows, int batchSize) => onnx.Score(rows);

    public override void Dispose() => onnx.Dispose();
}

/// <summary>The linear model: each document's TF-IDF row scored; the model is read-only, so no lock.</summary>
internal sealed class LinearScorer(LinearModel model, string modelFile) : IProbabilityScorer
{
    /// <summary>The linear model reads the whole document, up to its own bound against pathological input.</summary>
    public int MaxTextChars => model.Vectorizer.MaxChars;
    public bool UsesLibtorch => false;
    public IReadOnlyList<string> WeightFiles { get; } = [modelFile];

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
    /// <summary>The longest cut of any member, so each member still sees all it would read on its own.</summary>
    public int MaxTextChars { get; } = members.Max(m => m.MaxTextChars);
    public bool UsesLibtorch { get; } = members.Any(m => m.UsesLibtorch);
    public IReadOnlyList<string> WeightFiles { get; } = members.SelectMany(m => m.WeightFiles).ToList();

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

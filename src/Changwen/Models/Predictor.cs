using Changwen.Data;
using Changwen.Evaluation;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>Class probabilities from a trained model, for evaluation, the <c>TextClassifier</c> facade and the server.</summary>
public static class Predictor
{
    /// <summary>Batches smaller than this run on one libtorch thread (see <see cref="TorchRuntime.OneThread"/>).</summary>
    public const int SmallBatch = 8;

    /// <summary>
    /// Softmax probabilities for every row of <paramref name="data"/> (<c>[Count][NumClasses]</c>), computed in eval mode
    /// without gradients, <paramref name="batchSize"/> rows at a time. The model's train/eval mode is restored afterwards.
    /// </summary>
    public static float[][] PredictProbabilities(TextClassifierModel model, EncodedDataset data, int batchSize = 256)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        if (data.MaxLen < model.MinSequenceLength)
            throw new UserInputException($"rows of {data.MaxLen} tokens are too short for {model.Options.Kind}, which needs at least {model.MinSequenceLength}. Encode with the max length the model was trained with");
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var result = new float[data.Count][];
            var order = Enumerable.Range(0, data.Count).ToArray();
            for (var start = 0; start < order.Length; start += batchSize)
            {
                var rows = new ArraySegment<int>(order, start, Math.Min(batchSize, order.Length - start));
                using var scope = NewDisposeScope();
                using var threads = rows.Count < SmallBatch ? TorchRuntime.OneThread() : null;
                var batch = Batch.Create(data, rows);
                var probabilities = nn.functional.softmax(model.call(batch.Ids, batch.Lengths), 1).data<float>().ToArray();
                for (var i = 0; i < rows.Count; i++)
                    result[rows[i]] = probabilities.AsSpan(i * model.NumClasses, model.NumClasses).ToArray();
            }
            return result;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>The most probable class of every row.</summary>
    public static int[] PredictLabels(TextClassifierModel model, EncodedDataset data, int batchSize = 256) =>
        PredictProbabilities(model, data, batchSize).Select(Scores.ArgMax).ToArray();
}

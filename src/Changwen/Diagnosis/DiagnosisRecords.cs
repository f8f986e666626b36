using System.Text;
using System.Text.Json;
using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Diagnosis;

/// <summary>
/// A <c>metrics.jsonl</c> line with the gradient norms of one step, per group (<see cref="GradientNorms.ByGroup"/>):
/// <c>{"type":"grad","epoch":1,"step":40,"groups":{"embedding":0.01,"lstm layer 0":0.002,"classifier":0.3}}</c>.
/// <see cref="MetricsLog.Read"/> skips it; <see cref="DiagnosisRecords.Read"/> reads it.
/// </summary>
public sealed record GradientRecord
{
    public string Type => DiagnosisRecords.GradType;
    public int Epoch { get; init; }
    public long Step { get; init; }
    public IReadOnlyDictionary<string, double> Groups { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// A <c>metrics.jsonl</c> line with how often each class was predicted on val after an epoch, beside how often it
/// is the true class (both indexed by label): <c>{"type":"predictions","epoch":2,"predicted":[..],"actual":[..]}</c>.
/// </summary>
public sealed record PredictionRecord
{
    public string Type => DiagnosisRecords.PredictionsType;
    public int Epoch { get; init; }
    public IReadOnlyList<long> Predicted { get; init; } = [];
    public IReadOnlyList<long> Actual { get; init; } = [];
}

/// <summary>Writes and reads the diagnosis records that share <c>metrics.jsonl</c> with the trainer's step and epoch lines.</summary>
public static class DiagnosisRecords
{
    public const string GradType = "grad";
    public const string PredictionsType = "predictions";

    /// <summary>The UTF-8 bytes of one metrics line (with its newline) for a <see cref="GradientRecord"/> or <see cref="PredictionRecord"/>.</summary>
    public static byte[] Line<T>(T record) => MetricsLog.Line(record);

    /// <summary>The gradient and prediction records of a metrics file, in file order; other lines and a torn last line are skipped.</summary>
    public static (List<GradientRecord> Gradients, List<PredictionRecord> Predictions) Read(string path)
    {
        var gradients = new List<GradientRecord>();
        var predictions = new List<PredictionRecord>();
        MetricsLog.ReadRecords(path, (type, record) =>
        {
            switch (type)
            {
                case GradType: gradients.Add(record.Deserialize<GradientRecord>(Json.Compact)!); break;
                case PredictionsType: predictions.Add(record.Deserialize<PredictionRecord>(Json.Compact)!); break;
            }
        });
        return (gradients, predictions);
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Changwen.IO;

namespace Changwen.Runs;

/// <summary>One line of <c>metrics.jsonl</c>: the loss of one optimiser step.</summary>
public sealed record StepRecord
{
    public string Type => "step";
    /// <summary>1-based epoch.</summary>
    public int Epoch { get; init; }
    /// <summary>1-based step counted over the whole run (not reset each epoch), for plotting loss curves.</summary>
    public long Step { get; init; }
    /// <summary>Mean cross-entropy of the mini-batch.</summary>
    public float Loss { get; init; }
    /// <summary>Joint L2 norm of the gradients before clipping; only written when gradient clipping is on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public float? GradNorm { get; init; }
}

/// <summary>One line of <c>metrics.jsonl</c>: the summary of one finished epoch.</summary>
public sealed record EpochRecord
{
    public string Type => "epoch";
    public int Epoch { get; init; }
    /// <summary>Mean training loss over the epoch's documents (each step weighted by its batch size).</summary>
    public double TrainLoss { get; init; }
    /// <summary>Accuracy on the training batches as they were seen during the epoch (train mode).</summary>
    public double TrainAccuracy { get; init; }
    public double ValLoss { get; init; }
    public double ValAccuracy { get; init; }
    /// <summary>Wall time of the epoch, training and validation.</summary>
    public double Seconds { get; init; }
    /// <summary>Training documents per second (training time only).</summary>
    public double DocsPerSecond { get; init; }
    public double Lr { get; init; }
}

/// <summary>Reads and appends <c>metrics.jsonl</c>: JSON lines, each an object whose <c>type</c> is "step" or "epoch".</summary>
public static class MetricsLog
{
    /// <summary>The records of a metrics file, in file order. A torn last line (a run killed mid-write) is skipped.</summary>
    public static (List<StepRecord> Steps, List<EpochRecord> Epochs) Read(string path)
    {
        var steps = new List<StepRecord>();
        var epochs = new List<EpochRecord>();
        ReadRecords(path, (type, record) =>
        {
            switch (type)
            {
                case "step": steps.Add(record.Deserialize<StepRecord>(Json.Compact)!); break;
                case "epoch": epochs.Add(record.Deserialize<EpochRecord>(Json.Compact)!); break;
            }
        });
        return (steps, epochs);
    }

    /// <summary>
    /// Hands every record of a metrics file to <paramref name="take"/> with its <c>type</c>, in file order. Other
    /// stages (diagnosis) keep their own record types in the same file and read them through this. A torn last line
    /// (a run killed mid-write) is skipped; a bad line anywhere else is the user's to fix.
    /// </summary>
    public static void ReadRecords(string path, Action<string?, JsonElement> take)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                take(doc.RootElement.GetProperty("type").GetString(), doc.RootElement);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                if (i == lines.Length - 1) break;
                throw UserInputException.At(path, i + 1, $"not a metrics record ({e.Message}). Restore the file or start a new run");
            }
        }
    }

    internal static byte[] Line<T>(T record) => Encoding.UTF8.GetBytes(Json.Serialize(record, indented: false) + "\n");
}

using System.Text.Json;
using Changwen.IO;
using Changwen.Runs;

namespace Changwen.Diagnosis;

/// <summary>
/// The findings of one run, each code kept once (the first occurrence wins, so a problem is printed once however
/// often a detector sees it), saved as <c>diagnosis.json</c> in the run folder: a JSON list of
/// <c>{code, severity, message, evidence, epoch, step, resolved_epoch}</c>, rewritten atomically whenever a finding is
/// added or resolved.
/// </summary>
public sealed class DiagnosisLog
{
    public const string FileName = Runs.RunFolder.DiagnosisFile;

    private readonly string? path;
    private readonly List<Finding> findings = [];

    /// <param name="path">Where to keep <c>diagnosis.json</c>; null keeps the findings in memory only.</param>
    public DiagnosisLog(string? path = null) => this.path = path;

    /// <summary>
    /// The log of the run in <paramref name="runDir"/>. Resuming keeps the findings already recorded, so they are not
    /// reported again; a new run starts empty (its first <see cref="Add"/> replaces any older file).
    /// </summary>
    public static DiagnosisLog Open(string runDir, bool resume)
    {
        var log = new DiagnosisLog(Path.Combine(runDir, FileName));
        if (resume && File.Exists(log.path)) log.findings.AddRange(Read(log.path!));
        return log;
    }

    public IReadOnlyList<Finding> Findings => findings;

    public bool Contains(string code) => findings.Any(f => f.Code == code);

    /// <summary>
    /// Keeps the findings whose code is not in the log yet and returns them: these are the ones to print. Writes
    /// <c>diagnosis.json</c> when something was added, and on the first call even when nothing was (so a clean run
    /// has an empty list, telling "checked, nothing found" from "never checked").
    /// </summary>
    public IReadOnlyList<Finding> Add(IEnumerable<Finding> candidates)
    {
        var added = new List<Finding>();
        foreach (var finding in candidates)
        {
            if (Contains(finding.Code)) continue;
            findings.Add(finding);
            added.Add(finding);
        }
        if (path is not null && (added.Count > 0 || !File.Exists(path))) Save();
        return added;
    }

    /// <summary>
    /// Marks the unresolved findings with one of <paramref name="codes"/> as resolved after <paramref name="epoch"/>
    /// (rewriting diagnosis.json) and returns them as they are now recorded.
    /// </summary>
    public IReadOnlyList<Finding> Resolve(IEnumerable<string> codes, int epoch)
    {
        var wanted = codes.ToHashSet();
        var resolved = new List<Finding>();
        for (var i = 0; i < findings.Count; i++)
        {
            if (!wanted.Contains(findings[i].Code) || findings[i].ResolvedEpoch is not null) continue;
            findings[i] = findings[i] with { ResolvedEpoch = epoch };
            resolved.Add(findings[i]);
        }
        if (path is not null && resolved.Count > 0) Save();
        return resolved;
    }

    public void Save()
    {
        if (path is null) throw new InvalidOperationException("this diagnosis log is kept in memory only");
        AtomicFile.WriteAllText(path, Json.Serialize(findings));
    }

    /// <summary>Reads a <c>diagnosis.json</c>; evidence values come back as double, string or bool.</summary>
    public static IReadOnlyList<Finding> Read(string path)
    {
        List<Finding> read;
        try
        {
            read = Json.Deserialize<List<Finding>>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw UserInputException.At(path, null, $"damaged or not a diagnosis file ({e.Message.Split('\n')[0]}). Delete it to start the diagnosis afresh");
        }
        return read.Select(f => f with { Evidence = f.Evidence.ToDictionary(kv => kv.Key, kv => Plain(kv.Value)) }).ToList();
    }

    private static object Plain(object value) => value is not JsonElement e ? value : e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String when e.GetString() is "NaN" or "Infinity" or "-Infinity" => double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => e.GetRawText(),
    };
}

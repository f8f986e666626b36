namespace Changwen;

/// <summary>
/// What the library tells its caller while it works. The library never writes to the console; the CLI turns these
/// into progress bars (or log lines when output is not a terminal), the server ignores them.
/// </summary>
/// <param name="Stage">A short name of the work, e.g. "segment", "epoch 3", "evaluate".</param>
/// <param name="Done">Units finished so far.</param>
/// <param name="Total">Units in all, when known.</param>
/// <param name="Message">A line worth showing to the user (an epoch summary, a finding), or null.</param>
/// <remarks>Updates that carry more than a line derive from it, so a caller tells them apart by type (a diagnosis
/// finding is a <c>Diagnosis.FindingUpdate</c>).</remarks>
public record ProgressUpdate(string Stage, long Done, long? Total, string? Message = null);

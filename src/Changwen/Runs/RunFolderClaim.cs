using Changwen.IO;

namespace Changwen.Runs;

/// <summary>
/// Exclusive ownership of a run folder for the length of a training job: an OS lock on <c>.changwen.lock</c> inside it
/// (a <see cref="FileStream"/> opened with <see cref="FileShare.None"/>, which .NET turns into <c>flock</c> on Unix and a
/// share-mode lock on Windows), taken before anything else is written. A second process with the same <c>--out</c> is
/// refused before it writes, and the lock goes with the process however it ends, so a crash never leaves a stale claim.
/// </summary>
public sealed class RunFolderClaim : IDisposable
{
    public const string LockFile = ".changwen.lock";

    private readonly FileStream stream;
    private readonly string? createdFolder;

    private RunFolderClaim(FileStream stream, string? createdFolder)
    {
        this.stream = stream;
        this.createdFolder = createdFolder;
    }

    /// <summary>Every file a training run writes into its folder; a new run refuses a folder holding any of them.</summary>
    public static IReadOnlyList<string> RunFiles { get; } =
    [
        RunFolder.FormatFile, RunFolder.OptionsFile, RunFolder.VocabularyFile, RunFolder.LabelsFile, RunFolder.CorpusFile,
        RunFolder.SplitsFile, RunFolder.UserDictionaryFile, RunFolder.StopWordsFile, RunFolder.TestReportText, RunFolder.TestReportJson,
        RunFolder.ConfusionPng, RunFolder.EvalConfusionPng, RunFolder.CurvePng, RunFolder.EmbeddingsFile, RunFolder.BestWeights,
        RunFolder.LastWeights, RunFolder.SummaryFile, RunFolder.CheckpointFile, RunFolder.MetricsFile, RunFolder.DiagnosisFile,
        WeightsChecksum.SidecarOf(RunFolder.BestWeights), WeightsChecksum.SidecarOf(RunFolder.LastWeights),
        RunFolder.LinearModelFile, RunFolder.AutoFile, RunFolder.FinishedFile,
    ];

    /// <summary>
    /// Refuses <paramref name="runDir"/> if it is a file, or (unless <paramref name="resume"/>) if it already holds any
    /// of <see cref="RunFiles"/>; checked before anything is written, and again once the lock is held.
    /// </summary>
    public static void CheckUsable(string runDir, bool resume)
    {
        if (File.Exists(runDir))
            throw UserInputException.At(runDir, null, "is a file, not a folder. Give --out a new or empty folder");
        if (resume || !Directory.Exists(runDir)) return;
        var existing = RunFiles.Where(name => File.Exists(Path.Combine(runDir, name))).ToList();
        if (existing.Count > 0)
            throw UserInputException.At(runDir, null,
                $"folder already holds a model or training run ({string.Join(", ", existing.Take(4))}{(existing.Count > 4 ? ", ..." : "")}). " +
                "Resume it with --resume, or train into a new folder");
    }

    /// <summary>Creates <paramref name="runDir"/> if needed and takes its lock; refused with one line if another process holds it.</summary>
    public static RunFolderClaim Take(string runDir, bool resume)
    {
        CheckUsable(runDir, resume);
        var created = !Directory.Exists(runDir);
        FileStream stream;
        try
        {
            Directory.CreateDirectory(runDir);
            stream = new FileStream(Path.Combine(runDir, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw UserInputException.At(runDir, null, $"cannot be written ({e.Message}). Give --out a folder you may write to");
        }
        catch (IOException e) when (!DiskFull.Is(e))
        {
            throw UserInputException.At(runDir, null, "is in use by another changwen process (train or experiment). Wait for it to finish, or give another --out");
        }
        try
        {
            // Another process may have finished a run here between the first check and the lock.
            CheckUsable(runDir, resume);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new RunFolderClaim(stream, created ? runDir : null);
    }

    /// <summary>
    /// For a job refused with a <see cref="UserInputException"/>: when this claim created the folder and no epoch was
    /// kept in it (no checkpoint.bin), everything in it was written by this job and is of no use, so the folder is
    /// removed (on <see cref="Dispose"/>) and the refused command leaves nothing behind.
    /// </summary>
    public void AbandonIfUntrained()
    {
        if (createdFolder is not null && !File.Exists(Path.Combine(createdFolder, RunFolder.CheckpointFile)) &&
            !File.Exists(Path.Combine(createdFolder, RunFolder.LinearModelFile))) // the linear model's one weights file
            abandoned = true;
    }

    private bool abandoned;

    /// <summary>
    /// Releases the lock. A folder this claim created that holds nothing but the lock file (the job was refused before
    /// it wrote anything: a one-class corpus, a bad file) is removed again, so a refused command leaves nothing behind.
    /// </summary>
    public void Dispose()
    {
        stream.Dispose();
        if (createdFolder is null) return;
        try
        {
            if (abandoned)
            {
                Directory.Delete(createdFolder, recursive: true);
                return;
            }
            if (Directory.EnumerateFileSystemEntries(createdFolder).All(e => Path.GetFileName(e) == LockFile))
            {
                File.Delete(Path.Combine(createdFolder, LockFile));
                Directory.Delete(createdFolder);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* another process got there: leave it */ }
    }
}

namespace Changwen.IO;

/// <summary>Tells a full disk apart from other I/O failures, so it can be reported as one line rather than as a bug.</summary>
public static class DiskFull
{
    /// <summary>ENOSPC (28) or EDQUOT (122) on Linux, ERROR_HANDLE_DISK_FULL (39) / ERROR_DISK_FULL (112) on Windows.</summary>
    public static bool Is(Exception e) =>
        e is IOException && ((e.HResult & 0xFFFF) is 28 or 39 or 112 or 122 ||
                             e.Message.Contains("No space left on device", StringComparison.Ordinal) ||
                             e.Message.Contains("Disk quota exceeded", StringComparison.Ordinal));
}

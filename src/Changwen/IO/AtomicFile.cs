namespace Changwen.IO;

/// <summary>
/// Writes files so that a kill at any moment leaves either the old file or the new one, never a torn one:
/// write to a temporary file in the same folder, flush it to disk, then rename over the target.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents) =>
        Write(path, stream => { using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false)); w.Write(contents); });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes through <paramref name="write"/> into a temporary file, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(new NonClosingStream(stream));
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// Deletes the temporary files that writers of <paramref name="path"/> left when they were killed (kill -9, power
    /// loss: no finally runs). A temporary file names its writer's process id; those of a live process are kept.
    /// </summary>
    public static void DeleteStale(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) return;
        var prefix = $".{Path.GetFileName(full)}.";
        foreach (var tmp in Directory.EnumerateFiles(dir, $"{prefix}*.tmp"))
        {
            var pid = Path.GetFileName(tmp)[prefix.Length..].Split('.')[0];
            if (int.TryParse(pid, out var id) && id != Environment.ProcessId && !IsRunning(id))
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Lets a writer dispose its stream without closing the file before it is flushed to disk.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        // Seekable, so a writer can fill in a header (a length, a checksum) after the payload it describes.
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        protected override void Dispose(bool disposing) { if (disposing) inner.Flush(); }
    }
}

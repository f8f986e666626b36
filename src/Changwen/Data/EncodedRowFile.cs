using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Changwen.Data;

/// <summary>
/// Fixed-length id rows in an unnamed file on disk: the ids of an <see cref="EncodedDataset"/> too large to keep in
/// memory. Each id takes 2 bytes when the vocabulary has at most 65,536 entries (the default cap is 50,000), else 4.
/// The file is deleted as soon as it is created and lives while its handle is open, so a killed run leaves nothing
/// behind. Rows are read with positioned reads (pread), not mapped: the kernel's page cache keeps the hot ones, shared
/// and reclaimable, and they do not count as the process's memory.
/// </summary>
public sealed class EncodedRowFile : IDisposable
{
    private const int WriteBufferBytes = 1 << 20;

    private readonly SafeFileHandle handle;
    private readonly int rowBytes;
    private byte[]? pending = new byte[WriteBufferBytes];
    private int pendingLength;
    private long written;

    private EncodedRowFile(SafeFileHandle handle, int maxLen, int idBytes)
    {
        this.handle = handle;
        MaxLen = maxLen;
        IdBytes = idBytes;
        rowBytes = maxLen * idBytes;
    }

    public int MaxLen { get; }

    /// <summary>Bytes per id: 2 or 4.</summary>
    public int IdBytes { get; }

    /// <summary>Rows appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>An empty row file in <paramref name="folder"/> for ids below <paramref name="vocabularySize"/>.</summary>
    public static EncodedRowFile Create(string folder, int maxLen, int vocabularySize)
    {
        if (maxLen < 1) throw new ArgumentOutOfRangeException(nameof(maxLen));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $".changwen-ids-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        File.Delete(path); // unnamed from here on: the space is freed when the handle closes, however the process ends
        return new EncodedRowFile(handle, maxLen, vocabularySize <= 65_536 ? 2 : 4);
    }

    /// <summary>Appends one row of <see cref="MaxLen"/> ids (each in [0, 65,536) when <see cref="IdBytes"/> is 2).</summary>
    public void Append(ReadOnlySpan<int> row)
    {
        if (pending is null) throw new InvalidOperationException("the row file is complete");
        if (row.Length != MaxLen) throw new ArgumentException($"row of {row.Length} ids, expected {MaxLen}");
        if (pendingLength + rowBytes > pending.Length) FlushPending();
        if (pendingLength + rowBytes > pending.Length) pending = new byte[rowBytes]; // one row wider than the buffer
        var target = pending.AsSpan(pendingLength, rowBytes);
        if (IdBytes == 2)
        {
            var ids = MemoryMarshal.Cast<byte, ushort>(target);
            for (var i = 0; i < row.Length; i++) ids[i] = checked((ushort)row[i]);
        }
        else row.CopyTo(MemoryMarshal.Cast<byte, int>(target));
        pendingLength += rowBytes;
        Count++;
    }

    /// <summary>Writes what is buffered; no rows may be appended afterwards.</summary>
    public void Complete()
    {
        if (pending is null) return;
        FlushPending();
        pending = null;
    }

    private void FlushPending()
    {
        RandomAccess.Write(handle, pending.AsSpan(0, pendingLength), written);
        written += pendingLength;
        pendingLength = 0;
    }

    /// <summary>Copies rows [<paramref name="first"/>, first + count) into <paramref name="target"/> (count × MaxLen ids).</summary>
    public void Read(int first, int count, Span<int> target)
    {
        if (pending is not null) throw new InvalidOperationException("complete the row file before reading it");
        if (first < 0 || count < 0 || first + count > Count) throw new ArgumentOutOfRangeException(nameof(first));
        var bytes = count * rowBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            var span = buffer.AsSpan(0, bytes);
            var offset = (long)first * rowBytes;
            for (var done = 0; done < bytes;)
            {
                var read = RandomAccess.Read(handle, span[done..], offset + done);
                if (read == 0) throw new EndOfStreamException("the row file ended early");
                done += read;
            }
            if (IdBytes == 2)
            {
                var ids = MemoryMarshal.Cast<byte, ushort>(span);
                for (var i = 0; i < ids.Length; i++) target[i] = ids[i];
            }
            else MemoryMarshal.Cast<byte, int>(span).CopyTo(target);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => handle.Dispose();
}

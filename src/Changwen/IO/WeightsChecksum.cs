using System.Security.Cryptography;

namespace Changwen.IO;

/// <summary>
/// A SHA-256 beside each weights file (<c>best.pt.sha256</c>), so a damaged or altered best.pt is refused at load
/// instead of predicting differently (checkpoint.bin carries its own). The side file is written before the weights and
/// lists the new hash and the one before it: a kill between the two atomic renames leaves old weights whose hash is
/// still listed, so an honest run folder always loads. A weights file without a side file (written before this check
/// existed) loads unchecked.
/// </summary>
public static class WeightsChecksum
{
    public const string Extension = ".sha256";

    public static string SidecarOf(string weightsPath) => weightsPath + Extension;

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="weightsPath"/> atomically, recording their hash first.</summary>
    public static void Save(string weightsPath, byte[] bytes) => Save(weightsPath, stream => stream.Write(bytes));

    /// <summary>
    /// As above, the weights written by <paramref name="write"/> straight into the file and hashed on the way (no copy
    /// of them in memory); the side file is written once they are complete and before they are renamed into place.
    /// </summary>
    public static void Save(string weightsPath, Action<Stream> write) =>
        AtomicFile.Write(weightsPath, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var hashing = new HashingWriteStream(stream, hash))
            using (var buffered = new BufferedStream(hashing, 1 << 16))
                write(buffered);
            WriteSidecar(weightsPath, Convert.ToHexStringLower(hash.GetHashAndReset()));
        });

    private static void WriteSidecar(string weightsPath, string hash)
    {
        var sidecar = SidecarOf(weightsPath);
        var previous = File.Exists(sidecar) ? File.ReadLines(sidecar).FirstOrDefault() : null;
        var name = Path.GetFileName(weightsPath);
        // sha256sum's format on the first line, so `sha256sum -c best.pt.sha256` checks the current weights by hand too.
        var text = $"{hash}  {name}\n" + (previous is not null && !previous.StartsWith(hash, StringComparison.Ordinal) ? $"# previous: {previous}\n" : "");
        AtomicFile.WriteAllText(sidecar, text);
    }

    /// <summary>Throws a <see cref="UserInputException"/> when <paramref name="bytes"/> match neither hash recorded beside <paramref name="weightsPath"/>.</summary>
    public static void Verify(string weightsPath, ReadOnlySpan<byte> bytes)
    {
        var sidecar = SidecarOf(weightsPath);
        if (!File.Exists(sidecar)) return;
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var recorded = File.ReadLines(sidecar).Select(line => line.Replace("# previous: ", "").Split(' ', 2)[0].Trim().ToLowerInvariant()).ToList();
        if (!recorded.Contains(hash))
            throw UserInputException.At(weightsPath, null,
                $"SHA-256 {hash[..12]}... does not match the one recorded at training in {Path.GetFileName(sidecar)}: the weights were damaged or changed. Restore the run folder from a copy, or retrain");
    }
}

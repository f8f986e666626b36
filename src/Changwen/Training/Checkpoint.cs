using System.Security.Cryptography;
using System.Text;
using Changwen.IO;
using Changwen.Models;
using Changwen.Runs;
using TorchSharp.Modules;

namespace Changwen.Training;

/// <summary>
/// Everything needed to continue a run after its last finished epoch: model weights, Adam state, where
/// <c>metrics.jsonl</c> ended, and a fingerprint of the options. Written atomically at the end of each epoch; a
/// SHA-256 over the payload makes a damaged file fail loudly instead of resuming from garbage.
/// </summary>
internal sealed record Checkpoint(int Epoch, long GlobalStep, long MetricsLength, string Fingerprint)
{
    public const string FileName = Runs.RunFolder.CheckpointFile;
    private const string Magic = "changwen-checkpoint";
    private const int Version = 1;

    public void Save(string path, TextClassifierModel model, Adam optimizer) =>
        // Streamed into the file, hashed on the way, the length and hash filled in after: collecting the payload in
        // memory first cost three copies of it (a growing MemoryStream, its ToArray), 300+ MB of garbage per epoch
        // for a 107 MB checkpoint, and the peak RSS of a training run.
        AtomicFile.Write(path, stream =>
        {
            using var header = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            header.Write(Magic);
            header.Write(Version);
            header.Flush();
            var lengthAt = stream.Position;
            header.Write(0L);
            header.Write(new byte[32]);
            header.Flush();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var hashing = new HashingWriteStream(stream, hash);
            using (var writer = new BinaryWriter(new BufferedStream(hashing, 1 << 16), Encoding.UTF8))
            {
                writer.Write(Epoch);
                writer.Write(GlobalStep);
                writer.Write(MetricsLength);
                writer.Write(Fingerprint);
                model.save(writer);
                optimizer.save_state_dict(writer);
            }
            var end = stream.Position;
            stream.Position = lengthAt;
            header.Write(hashing.Written);
            header.Write(hash.GetHashAndReset());
            header.Flush();
            stream.Position = end;
        });

    /// <summary>
    /// Reads the checkpoint and loads its weights and optimiser state into <paramref name="model"/> and
    /// <paramref name="optimizer"/>. A damaged or foreign file throws <see cref="UserInputException"/>.
    /// </summary>
    public static Checkpoint Load(string path, TextClassifierModel model, Adam optimizer)
    {
        byte[] bytes;
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            if (reader.ReadString() != Magic) throw new InvalidDataException("not a Changwen checkpoint");
            var version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"checkpoint version {version}, expected {Version}");
            var length = reader.ReadInt64();
            var hash = reader.ReadBytes(32);
            if (length < 0 || length != stream.Length - stream.Position) throw new InvalidDataException("truncated");
            bytes = reader.ReadBytes((int)length);
            if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(hash)) throw new InvalidDataException("checksum mismatch");
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw Damaged(path, e.Message);
        }

        using var payload = new MemoryStream(bytes);
        using var payloadReader = new BinaryReader(payload, Encoding.UTF8);
        var checkpoint = new Checkpoint(payloadReader.ReadInt32(), payloadReader.ReadInt64(), payloadReader.ReadInt64(), payloadReader.ReadString());
        try
        {
            model.load(payloadReader);
            optimizer.load_state_dict(payloadReader);
        }
        catch (Exception e) when (e is not UserInputException)
        {
            // The checksum held, so the file is whole: it belongs to a different model.
            throw UserInputException.At(path, null, $"checkpoint does not fit this model ({e.Message.TrimEnd('.')}). Resume with the options the run was started with, or start a new run");
        }
        return checkpoint;
    }

    private static UserInputException Damaged(string path, string why) =>
        UserInputException.At(path, null, $"checkpoint is damaged ({why}). Delete it to restart the run from epoch 1, or start a new run folder");
}

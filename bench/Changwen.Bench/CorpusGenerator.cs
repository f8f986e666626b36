using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Changwen.Bench;

/// <summary>
/// <c>corpus --docs N --out FILE[.gz] [--source FILE.tsv[.gz]] [--seed S]</c>: a <c>label&lt;TAB&gt;text</c> corpus of
/// exactly N documents for scale measurements, derived from a real one (default: the shared chinanews train split).
/// The source is read again and again ("copies"); every copy of every document is perturbed by a generator seeded with
/// (seed, copy, document): two of its sentences swap places, and from three sentences on one sentence may be dropped;
/// a document with a single sentence loses a clause instead. A document equal to one already written (by a 128-bit
/// hash of label and text) is perturbed again, and skipped after a few tries, so no two documents are identical and
/// the output is the same for the same arguments. Never write it into the repository (the data may not be copied).
/// </summary>
public static class CorpusGenerator
{
    private const string DefaultSource = "../shared/data/chinanews/train.tsv.gz";
    private const int Tries = 8;

    public static int Run(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        if (Arg("--docs") is not { } docsText || Arg("--out") is not { } outPath || !long.TryParse(docsText, out var docs) || docs < 1)
        {
            Console.Error.WriteLine("usage: corpus --docs N --out FILE[.gz] [--source FILE.tsv[.gz]] [--seed S]   (write it under /tmp, never into the repository)");
            return 2;
        }
        var source = Arg("--source") ?? DefaultSource;
        var seed = int.Parse(Arg("--seed") ?? "1");
        var originals = ReadSource(source);
        if (originals.Count == 0)
        {
            Console.Error.WriteLine($"{source}: no 'label<TAB>text' lines");
            return 2;
        }

        var seen = new HashSet<UInt128>();
        long written = 0, characters = 0, skipped = 0;
        var temporary = outPath + ".partial";
        using (var file = File.Create(temporary))
        using (var compressed = outPath.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : (Stream)file)
        using (var writer = new StreamWriter(compressed, new UTF8Encoding(false), 1 << 20))
        {
            for (var copy = 0; written < docs; copy++)
            {
                var before = written;
                for (var d = 0; d < originals.Count && written < docs; d++)
                {
                    var (label, text) = originals[d];
                    var random = new Random(unchecked(seed * 1_000_003 + copy * 7919 + d * 31));
                    string? unique = null;
                    for (var attempt = 0; attempt < Tries && unique is null; attempt++)
                    {
                        var candidate = Perturb(text, random);
                        if (seen.Add(Hash(label, candidate))) unique = candidate;
                    }
                    if (unique is null) { skipped++; continue; }
                    writer.Write(label);
                    writer.Write('\t');
                    writer.Write(unique);
                    writer.Write('\n');
                    written++;
                    characters += unique.Length;
                }
                if (written == before)
                {
                    Console.Error.WriteLine($"copy {copy} added no new document: the source cannot give {docs:N0} distinct ones");
                    return 1;
                }
            }
        }
        File.Move(temporary, outPath, overwrite: true);
        Console.WriteLine($"{outPath}: {written:N0} documents, {characters:N0} characters, {new FileInfo(outPath).Length:N0} bytes " +
                          $"(from {originals.Count:N0} in {source}, seed {seed}; {skipped:N0} perturbations skipped as duplicates)");
        return 0;
    }

    private static List<(string Label, string Text)> ReadSource(string path)
    {
        using var file = File.OpenRead(path);
        using var stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var docs = new List<(string, string)>();
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t');
            if (tab > 0 && tab < line.Length - 1) docs.Add((line[..tab], line[(tab + 1)..]));
        }
        return docs;
    }

    /// <summary>The document with two sentences swapped and maybe one dropped; one sentence: a clause dropped.</summary>
    internal static string Perturb(string text, Random random)
    {
        var sentences = Split(text, "。！？!?；;");
        if (sentences.Count < 2)
        {
            var clauses = Split(text, "，,、 ");
            if (clauses.Count < 2) return text;
            clauses.RemoveAt(random.Next(clauses.Count));
            return string.Concat(clauses);
        }
        var a = random.Next(sentences.Count);
        var b = random.Next(sentences.Count - 1);
        if (b >= a) b++;
        (sentences[a], sentences[b]) = (sentences[b], sentences[a]);
        if (sentences.Count >= 3 && random.Next(2) == 0) sentences.RemoveAt(random.Next(sentences.Count));
        return string.Concat(sentences);
    }

    /// <summary>Pieces of <paramref name="text"/> each ending with one of <paramref name="ends"/> (the last may not).</summary>
    private static List<string> Split(string text, string ends)
    {
        var pieces = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
            if (ends.Contains(text[i]))
            {
                pieces.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        if (start < text.Length) pieces.Add(text[start..]);
        return pieces;
    }

    private static UInt128 Hash(string label, string text)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(label + "\t" + text), digest);
        return new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
    }
}

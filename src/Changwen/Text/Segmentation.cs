using Changwen.Data;
using Changwen.IO;

namespace Changwen.Text;

/// <summary>
/// Segments a whole corpus on every core, keeping reading order, into a file on disk (the cache, see
/// <see cref="SegmentationCache"/>), so the next run over the same corpus with the same tokenizer settings reads it back
/// instead, and so no stage needs the segmented corpus in memory.
/// </summary>
public static class Segmentation
{
    /// <summary>Documents are read and segmented this many characters at a time, so raw text never piles up.</summary>
    internal const int ChunkCharacters = 4_000_000;
    internal const int ChunkDocuments = 8_192;

    /// <summary>
    /// The corpus segmented with <paramref name="options"/>, from the cache when it holds this corpus already.
    /// </summary>
    /// <param name="read">The documents of one split, streamed (e.g. <c>corpus.Read</c>).</param>
    /// <param name="classes">The class names (e.g. <c>corpus.Classes</c>).</param>
    /// <param name="contentFingerprint">Changes whenever the corpus content changes (e.g. <c>corpus.Fingerprint()</c>).</param>
    /// <param name="cacheDir">Cache folder; null = <see cref="SegmentationCache.DefaultFolder()"/>; "" = no cache.</param>
    public static TokenizedCorpus Run(Func<Split, IEnumerable<Document>> read, IReadOnlyList<string> classes,
        string contentFingerprint, TokenizerOptions options, string? cacheDir, IProgress<ProgressUpdate>? progress,
        CancellationToken ct)
    {
        var (tokenizer, fingerprint) = Tokenizers.Build(options);
        return Run(read, classes, contentFingerprint, tokenizer, fingerprint, cacheDir, progress, ct);
    }

    /// <summary>As above with a ready tokenizer; <paramref name="tokenizerFingerprint"/> must change whenever its output would.</summary>
    public static TokenizedCorpus Run(Func<Split, IEnumerable<Document>> read, IReadOnlyList<string> classes,
        string contentFingerprint, ITokenizer tokenizer, string tokenizerFingerprint, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        using var segmented = Open(read, classes, contentFingerprint, tokenizer, tokenizerFingerprint, cacheDir, progress, ct);
        return segmented.ToTokenizedCorpus();
    }

    /// <summary>
    /// As <see cref="Run(Func{Split, IEnumerable{Document}}, IReadOnlyList{string}, string, TokenizerOptions, string?, IProgress{ProgressUpdate}?, CancellationToken)"/>,
    /// but the segmented corpus stays on disk and is read a document at a time: memory does not grow with the corpus.
    /// Without a cache folder it lives in a temporary file, deleted when the result is disposed.
    /// </summary>
    public static SegmentedCorpus Open(Func<Split, IEnumerable<Document>> read, IReadOnlyList<string> classes,
        string contentFingerprint, TokenizerOptions options, string? cacheDir, IProgress<ProgressUpdate>? progress,
        CancellationToken ct)
    {
        var (tokenizer, fingerprint) = Tokenizers.Build(options);
        return Open(read, classes, contentFingerprint, tokenizer, fingerprint, cacheDir, progress, ct);
    }

    /// <summary>As above with a ready tokenizer; <paramref name="tokenizerFingerprint"/> must change whenever its output would.</summary>
    public static SegmentedCorpus Open(Func<Split, IEnumerable<Document>> read, IReadOnlyList<string> classes,
        string contentFingerprint, ITokenizer tokenizer, string tokenizerFingerprint, string? cacheDir,
        IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        var folder = cacheDir ?? SegmentationCache.DefaultFolder();
        var key = SegmentationCache.Key(contentFingerprint, tokenizerFingerprint, classes);
        var path = folder.Length == 0 ? null : SegmentationCache.PathFor(folder, key);
        if (path is not null)
        {
            if (SegmentedCorpus.TryOpen(path, key, out var cached, out var problem))
            {
                progress?.Report(new ProgressUpdate("segment", 1, 1, $"segmentation read from cache {path}"));
                cached!.FromCache = true;
                return cached;
            }
            if (problem is not null)
                progress?.Report(new ProgressUpdate("segment", 0, null, $"ignoring segmentation cache {path} ({problem}); segmenting again"));
            try
            {
                return Write(path, key, temporary: false, read, classes, tokenizer, progress, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A cache that cannot be written costs time next run, not correctness.
                progress?.Report(new ProgressUpdate("segment", 0, null, $"could not write segmentation cache {path} ({e.Message}); segmenting into a temporary file"));
            }
        }
        var temporary = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"changwen-{Environment.ProcessId}-{Guid.NewGuid():N}.cwseg");
        return Write(temporary, key, temporary: true, read, classes, tokenizer, progress, ct);
    }

    /// <summary>Segments every split into a new cache file at <paramref name="path"/> and opens it.</summary>
    private static SegmentedCorpus Write(string path, string key, bool temporary, Func<Split, IEnumerable<Document>> read,
        IReadOnlyList<string> classes, ITokenizer tokenizer, IProgress<ProgressUpdate>? progress, CancellationToken ct)
    {
        var done = 0L;
        AtomicFile.Write(path, stream =>
        {
            var writer = new SegmentationCache.Writer(stream, key, classes.ToArray());
            foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
            {
                writer.BeginSplit(split);
                Segment(read(split), tokenizer, writer, progress, ref done, ct);
            }
            writer.Finish();
        });
        if (!SegmentedCorpus.TryOpen(path, key, out var written, out var problem, temporary))
            throw new IOException($"the segmentation just written to {path} does not read back: {problem}");
        return written!;
    }

    /// <summary>
    /// Segments <paramref name="documents"/> chunk by chunk into <paramref name="writer"/>; the next chunk is read while
    /// this one is segmented. At most two chunks of text and one of tokens are in memory.
    /// </summary>
    private static void Segment(IEnumerable<Document> documents, ITokenizer tokenizer, SegmentationCache.Writer writer,
        IProgress<ProgressUpdate>? progress, ref long done, CancellationToken ct)
    {
        using var source = documents.GetEnumerator();
        var chunk = ReadChunk(source);
        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        while (chunk.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var next = Task.Run(() => ReadChunk(source), CancellationToken.None);
            var output = new string[chunk.Count][];
            try
            {
                var current = chunk;
                Parallel.For(0, current.Count, parallel, i => output[i] = tokenizer.Tokenize(current[i].Text));
            }
            catch
            {
                // The reader still holds the enumerator; let it finish before it is disposed.
                try { next.Wait(CancellationToken.None); } catch (AggregateException) { }
                throw;
            }
            for (var i = 0; i < chunk.Count; i++) writer.Add(chunk[i].Label, output[i], chunk[i].Text.Length, chunk[i].Source);
            done += output.Length;
            progress?.Report(new ProgressUpdate("segment", done, null));
            chunk = next.GetAwaiter().GetResult();
        }
    }

    private static List<Document> ReadChunk(IEnumerator<Document> source)
    {
        var chunk = new List<Document>();
        long characters = 0;
        while (chunk.Count < ChunkDocuments && characters < ChunkCharacters && source.MoveNext())
        {
            chunk.Add(source.Current);
            characters += source.Current.Text.Length;
        }
        return chunk;
    }
}

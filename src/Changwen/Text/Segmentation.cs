using System.Collections.Concurrent;
using Changwen.Data;

namespace Changwen.Text;

/// <summary>
/// Segments a whole corpus on every core, keeping reading order, and caches the result on disk so the next run over
/// the same corpus with the same tokenizer settings reads it back instead.
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
    /// <param name="cacheDir">Cache folder; null = <see cref="SegmentationCache.DefaultFolder"/>; "" = no cache.</param>
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
        var folder = cacheDir ?? SegmentationCache.DefaultFolder();
        var key = SegmentationCache.Key(contentFingerprint, tokenizerFingerprint, classes);
        var path = folder.Length == 0 ? null : SegmentationCache.PathFor(folder, key);
        if (path is not null)
        {
            if (SegmentationCache.TryRead(path, key, out var cached, out var problem))
            {
                progress?.Report(new ProgressUpdate("segment", 1, 1, $"segmentation read from cache {path}"));
                return new TokenizedCorpus(cached!.Classes, cached.Train, cached.Val, cached.Test) { FromCache = true, CachePath = path };
            }
            if (problem is not null)
                progress?.Report(new ProgressUpdate("segment", 0, null, $"ignoring segmentation cache {path} ({problem}); segmenting again"));
        }

        var interned = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var done = 0L;
        var splits = new List<TokenizedDocument>[3];
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
            splits[(int)split] = Segment(read(split), tokenizer, interned, progress, ref done, ct);
        var corpus = new TokenizedCorpus(classes.ToArray(), splits[0], splits[1], splits[2]);
        if (path is null) return corpus;

        try
        {
            SegmentationCache.Write(path, key, corpus);
            return new TokenizedCorpus(corpus.Classes, corpus.Train, corpus.Val, corpus.Test) { CachePath = path };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written costs time next run, not correctness.
            progress?.Report(new ProgressUpdate("segment", done, done, $"could not write segmentation cache {path} ({e.Message})"));
            return corpus;
        }
    }

    /// <summary>Segments <paramref name="documents"/> chunk by chunk; the next chunk is read while this one is segmented.</summary>
    private static List<TokenizedDocument> Segment(IEnumerable<Document> documents, ITokenizer tokenizer,
        ConcurrentDictionary<string, string> interned, IProgress<ProgressUpdate>? progress, ref long done, CancellationToken ct)
    {
        var result = new List<TokenizedDocument>();
        using var source = documents.GetEnumerator();
        var chunk = ReadChunk(source);
        var parallel = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount };
        while (chunk.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var next = Task.Run(() => ReadChunk(source), CancellationToken.None);
            var output = new TokenizedDocument[chunk.Count];
            try
            {
                var current = chunk;
                Parallel.For(0, current.Count, parallel, i =>
                {
                    var doc = current[i];
                    var tokens = tokenizer.Tokenize(doc.Text);
                    // Repeated words share one string: the corpus stays in memory through training.
                    for (var t = 0; t < tokens.Length; t++) tokens[t] = interned.GetOrAdd(tokens[t], tokens[t]);
                    output[i] = new TokenizedDocument(doc.Label, tokens, doc.Text.Length, doc.Source);
                });
            }
            catch
            {
                // The reader still holds the enumerator; let it finish before it is disposed.
                try { next.Wait(CancellationToken.None); } catch (AggregateException) { }
                throw;
            }
            result.AddRange(output);
            done += output.Length;
            progress?.Report(new ProgressUpdate("segment", done, null));
            chunk = next.GetAwaiter().GetResult();
        }
        return result;
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

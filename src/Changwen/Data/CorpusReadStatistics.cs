namespace Changwen.Data;

/// <summary>What a <see cref="Corpus"/> noticed while reading. Counts per split come from its latest complete read.</summary>
public sealed class CorpusReadStatistics
{
    private readonly Dictionary<Split, int> _skippedEmpty = [];
    private readonly Dictionary<Split, IReadOnlyList<string>> _emptySources = [];
    private readonly Dictionary<string, string> _fileEncodings = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _nulPadded = new(StringComparer.Ordinal);

    /// <summary>Empty (or whitespace-only) documents skipped in the latest complete read of each split.</summary>
    public IReadOnlyDictionary<Split, int> SkippedEmpty => _skippedEmpty;

    /// <summary>Up to ten sources of skipped empty documents per split, to show the user.</summary>
    public IReadOnlyDictionary<Split, IReadOnlyList<string>> EmptySources => _emptySources;

    /// <summary>The encoding detected (or forced) for each file read so far, by relative path.</summary>
    public IReadOnlyDictionary<string, string> FileEncodings => _fileEncodings;

    /// <summary>Document files whose trailing NUL padding was dropped.</summary>
    public IReadOnlyCollection<string> NulPaddingTrimmed => _nulPadded;

    /// <summary>Files per encoding, e.g. {"gb18030": 2554}.</summary>
    public IReadOnlyDictionary<string, int> EncodingCounts =>
        _fileEncodings.GroupBy(kv => kv.Value).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    // Counts become visible only when a read completes, so an abandoned read never reports half a split.
    internal void Commit(Split split, ReadCounters counters)
    {
        _skippedEmpty[split] = counters.SkippedEmpty;
        _emptySources[split] = counters.EmptySources.ToList();
    }

    internal void NoteFile(string file, string encoding, string? nulPadded)
    {
        _fileEncodings[file] = encoding;
        if (nulPadded is not null) _nulPadded.Add(nulPadded);
    }

    internal string? EncodingOf(string file) => _fileEncodings.GetValueOrDefault(file);
}

/// <summary>Counts gathered by one pass over one split.</summary>
internal sealed class ReadCounters
{
    private const int SourcesKept = 10;

    public int SkippedEmpty { get; private set; }
    public List<string> EmptySources { get; } = [];

    public void NoteEmpty(string source)
    {
        SkippedEmpty++;
        if (EmptySources.Count < SourcesKept) EmptySources.Add(source);
    }
}

using Changwen.Data;

namespace Changwen.Text;

/// <summary>A segmented document. <see cref="Characters"/> is the length of the raw text it came from.</summary>
public sealed record TokenizedDocument(string Label, string[] Tokens, int Characters, string Source);

/// <summary>A corpus after segmentation: the documents of each split, in reading order, and the class names.</summary>
public sealed class TokenizedCorpus
{
    public TokenizedCorpus(IReadOnlyList<string> classes, IReadOnlyList<TokenizedDocument> train,
        IReadOnlyList<TokenizedDocument> val, IReadOnlyList<TokenizedDocument> test)
    {
        Classes = classes;
        Train = train;
        Val = val;
        Test = test;
    }

    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<TokenizedDocument> Train { get; }
    public IReadOnlyList<TokenizedDocument> Val { get; }
    public IReadOnlyList<TokenizedDocument> Test { get; }

    /// <summary>True when this corpus was read from the segmentation cache instead of being segmented.</summary>
    public bool FromCache { get; init; }

    /// <summary>The cache file read or written, or null when caching was off or the write failed.</summary>
    public string? CachePath { get; init; }

    public IReadOnlyList<TokenizedDocument> this[Split split] => split switch
    {
        Split.Train => Train,
        Split.Val => Val,
        Split.Test => Test,
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };
}

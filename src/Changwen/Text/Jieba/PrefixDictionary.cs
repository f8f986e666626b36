using System.Text;

namespace Changwen.Text.Jieba;

/// <summary>
/// jieba's word dictionary (word → frequency, and the total of all frequencies) as a trie, so that every dictionary
/// word starting at one position of a text is found in one walk along the text, one lookup per character.
/// </summary>
/// <remarks>
/// <para>
/// jieba.NET keeps the same data in a <c>Dictionary&lt;string,int&gt;</c> holding every word and, with frequency 0,
/// every prefix of a word; it builds a substring per prefix to look it up, which is most of its time and allocation.
/// Here a node is a prefix; its frequency is the word's, 0 when the prefix is no word (as in jieba, a word set to
/// frequency 0 is no word). Only nodes with a positive frequency ever enter a segmentation, and every prefix of such a
/// word has a node, so the words found from a position are exactly jieba's (its walk stops at the first prefix it
/// does not hold).
/// </para>
/// <para>
/// Layout: the first character indexes an array of 65,536 nodes; every further edge (parent node, character) → child
/// lives in one open-addressing hash table of 64-bit entries (parent: 24 bits, character: 16 bits, child: 24 bits), so
/// a lookup allocates nothing and touches one or two cache lines. Words are added while the dictionary is built (and
/// when user words are applied to a copy); after that it is only read, by any number of threads.
/// </para>
/// </remarks>
internal sealed class PrefixDictionary
{
    private const int NodeBits = 24;
    private const int MaxNodes = (1 << NodeBits) - 1;
    private const ulong ChildMask = (1UL << NodeBits) - 1;

    private readonly int[] rootChildren;
    private ulong[] edges;
    private int edgeShift;
    private int edgeCount;
    private int[] frequencies;
    private int nodeCount;

    private PrefixDictionary(int[] rootChildren, ulong[] edges, int edgeShift, int edgeCount, int[] frequencies, int nodeCount, double total)
    {
        this.rootChildren = rootChildren;
        this.edges = edges;
        this.edgeShift = edgeShift;
        this.edgeCount = edgeCount;
        this.frequencies = frequencies;
        this.nodeCount = nodeCount;
        Total = total;
    }

    public PrefixDictionary() : this(new int[65536], new ulong[1 << 10], 64 - 10, 0, new int[1024], 1, 0) { }

    /// <summary>The sum of all words' frequencies, kept exactly as jieba keeps it (a double, added to in the same order).</summary>
    public double Total { get; private set; }

    /// <summary>Node ids run from 1 to <c>NodeCount - 1</c>; 0 is the empty prefix (the root) and means "none" as a child.</summary>
    public int NodeCount => nodeCount;

    /// <summary>The word's frequency at <paramref name="node"/>; 0 when that prefix is no word.</summary>
    public int Frequency(int node) => frequencies[node];

    /// <summary>The node reached from <paramref name="node"/> by <paramref name="c"/>, 0 when no word continues so.</summary>
    public int Child(int node, char c)
    {
        if (node == 0) return rootChildren[c];
        var key = EdgeKey(node, c);
        var slot = Slot(key);
        var mask = edges.Length - 1;
        while (true)
        {
            var entry = edges[slot];
            if (entry == 0) return 0;
            if ((entry & ~ChildMask) == key) return (int)(entry & ChildMask);
            slot = (slot + 1) & mask;
        }
    }

    /// <summary>The node of <paramref name="prefix"/>, 0 when no word starts so (or the prefix is empty).</summary>
    public int Find(ReadOnlySpan<char> prefix)
    {
        var node = 0;
        foreach (var c in prefix)
        {
            node = Child(node, c);
            if (node == 0) return 0;
        }
        return node;
    }

    /// <summary>jieba's <c>ContainsWord</c>: a word with a positive frequency.</summary>
    public bool IsWord(ReadOnlySpan<char> word)
    {
        var node = Find(word);
        return node != 0 && frequencies[node] > 0;
    }

    /// <summary>jieba's <c>GetFreqOrDefault</c>: the word's frequency, 1 for anything that is no word.</summary>
    public int FrequencyOrOne(ReadOnlySpan<char> word)
    {
        var node = Find(word);
        return node != 0 && frequencies[node] > 0 ? frequencies[node] : 1;
    }

    /// <summary>
    /// jieba's <c>WordDictionary.AddWord</c>: the word gets <paramref name="frequency"/> (0 makes it no word) and the
    /// total follows (its old frequency out, the new one in).
    /// </summary>
    public void SetWord(string word, int frequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frequency);
        var node = Insert(word);
        if (frequencies[node] > 0) Total -= frequencies[node];
        frequencies[node] = frequency;
        Total += frequency;
    }

    public PrefixDictionary Clone() =>
        new((int[])rootChildren.Clone(), (ulong[])edges.Clone(), edgeShift, edgeCount, (int[])frequencies.Clone(), nodeCount, Total);

    /// <summary>
    /// Reads a jieba dictionary file (<c>word frequency [tag]</c> per line) as jieba.NET's <c>WordDictionary.LoadDict</c>
    /// does: lines with fewer than two space-separated fields are skipped; a word listed twice keeps its last frequency
    /// while the total counts both.
    /// </summary>
    public static PrefixDictionary Load(string path)
    {
        // Sized for jieba's dict.txt (about 350,000 words): the edge table then grows at most once.
        var dictionary = new PrefixDictionary(new int[65536], new ulong[1 << 20], 64 - 20, 0, new int[1 << 19], 1, 0);
        using var reader = new StreamReader(path, Encoding.UTF8);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            // The first two fields of line.Split(' '), without making the array.
            var space = line.IndexOf(' ');
            if (space < 0) continue;
            var rest = line.AsSpan(space + 1);
            var end = rest.IndexOf(' ');
            if (!int.TryParse(end < 0 ? rest : rest[..end], out var frequency) || frequency < 0 || space == 0)
                throw new InvalidDataException($"{path}:{lineNumber}: not a jieba dictionary line (word frequency [tag])");
            // The node first: inserting may grow the frequency array.
            var node = dictionary.Insert(line[..space]);
            dictionary.frequencies[node] = frequency;
            dictionary.Total += frequency;
        }
        return dictionary;
    }

    private int Insert(string word)
    {
        if (word.Length == 0) throw new ArgumentException("a dictionary word cannot be empty", nameof(word));
        var node = 0;
        foreach (var c in word)
        {
            var child = Child(node, c);
            if (child == 0)
            {
                child = NewNode();
                if (node == 0) rootChildren[c] = child;
                else AddEdge(EdgeKey(node, c) | (uint)child);
            }
            node = child;
        }
        return node;
    }

    private int NewNode()
    {
        if (nodeCount == MaxNodes) throw new InvalidOperationException($"a jieba dictionary of more than {MaxNodes:N0} prefixes is not supported");
        if (nodeCount == frequencies.Length) Array.Resize(ref frequencies, frequencies.Length * 2);
        return nodeCount++;
    }

    private void AddEdge(ulong entry)
    {
        // At most half full, so probe runs stay short.
        if ((edgeCount + 1) * 2 > edges.Length) Grow();
        Place(edges, entry);
        edgeCount++;
    }

    private void Grow()
    {
        var old = edges;
        edges = new ulong[old.Length * 2];
        edgeShift--;
        foreach (var entry in old)
            if (entry != 0) Place(edges, entry);
    }

    private void Place(ulong[] table, ulong entry)
    {
        var mask = table.Length - 1;
        var slot = Slot(entry & ~ChildMask);
        while (table[slot] != 0) slot = (slot + 1) & mask;
        table[slot] = entry;
    }

    private static ulong EdgeKey(int parent, char c) => (((ulong)(uint)parent << 16) | c) << NodeBits;

    // Fibonacci hashing: the top bits of the key times 2^64/φ.
    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> edgeShift);
}

namespace Changwen.Text.Jieba;

/// <summary>
/// Adding user words to a dictionary exactly as jieba.NET's <c>JiebaSegmenter.AddWord(word, frequency)</c> does, which
/// is how Changwen gave jieba.NET a user dictionary: a word without a frequency (or with 0) gets jieba's suggested one,
/// just high enough for the word to be kept whole given the words added before it.
/// </summary>
internal static class UserWords
{
    /// <summary>A copy of <paramref name="dictionary"/> with <paramref name="words"/> added in order.</summary>
    public static PrefixDictionary AddTo(PrefixDictionary dictionary, IEnumerable<UserWord> words)
    {
        var result = dictionary.Clone();
        foreach (var word in words)
        {
            var frequency = word.Frequency ?? 0;
            if (frequency <= 0) frequency = SuggestFrequency(result, word.Word);
            result.SetWord(word.Word, frequency);
        }
        return result;
    }

    /// <summary>
    /// jieba.NET's <c>WordDictionary.SuggestFreq(word, Cut(word, hmm: false))</c>: the product of the pieces'
    /// probabilities, times the total, plus one; at least the word's own frequency.
    /// </summary>
    private static int SuggestFrequency(PrefixDictionary dictionary, string word)
    {
        double probability = 1;
        foreach (var piece in CutWithoutHmm(dictionary, word))
            probability *= dictionary.FrequencyOrOne(piece) / dictionary.Total;
        return Math.Max((int)(probability * dictionary.Total) + 1, dictionary.FrequencyOrOne(word));
    }

    /// <summary>jieba.NET's <c>Cut(text, cutAll: false, hmm: false)</c>, over a dictionary that is still changing.</summary>
    internal static List<string> CutWithoutHmm(PrefixDictionary dictionary, string text)
    {
        var tokens = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            if (!JiebaCharacters.IsBlock(text[i]))
            {
                var pair = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n';
                tokens.Add(pair ? TokenStrings.CarriageReturnLineFeed : TokenStrings.Of(text[i]));
                i += pair ? 2 : 1;
                continue;
            }
            var end = i + 1;
            while (end < text.Length && JiebaCharacters.IsBlock(text[end])) end++;
            CutBlockWithoutHmm(dictionary, text.AsSpan(i, end - i), tokens);
            i = end;
        }
        return tokens;
    }

    /// <summary>jieba.NET's <c>CutDagWithoutHmm</c>: the best route, with single ASCII letters and digits joined.</summary>
    private static void CutBlockWithoutHmm(PrefixDictionary dictionary, ReadOnlySpan<char> block, List<string> tokens)
    {
        var n = block.Length;
        var ends = new int[n + 1];
        var nodes = new int[n + 1];
        var scores = new double[n + 1];
        BestRoute.Find(dictionary, new LiveScores(dictionary), Math.Log(dictionary.Total), block, ends, nodes, scores);
        var letters = -1;
        for (var x = 0; x < n;)
        {
            var y = ends[x];
            if (y - x == 1 && JiebaCharacters.IsAsciiLetterOrDigit(block[x]))
            {
                if (letters < 0) letters = x;
            }
            else
            {
                if (letters >= 0) tokens.Add(new string(block[letters..x]));
                letters = -1;
                tokens.Add(new string(block[x..y]));
            }
            x = y;
        }
        if (letters >= 0) tokens.Add(new string(block[letters..]));
    }
}

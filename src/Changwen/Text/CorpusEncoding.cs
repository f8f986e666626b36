using Changwen.Data;

namespace Changwen.Text;

/// <summary>A segmented corpus's splits encoded to id rows on disk, with what the checks before training need.</summary>
public sealed class EncodedCorpus : IDisposable
{
    public required Vocabulary Vocabulary { get; init; }
    public required EncodedDataset Train { get; init; }
    public required EncodedDataset Val { get; init; }
    public required EncodedDataset Test { get; init; }

    /// <summary>Each training document's token count before truncation, in training order.</summary>
    public required int[] RawTrainLengths { get; init; }

    /// <summary>Share of the training (validation) tokens that map to &lt;unk&gt;, as <see cref="Vocabulary.UnknownRate"/>.</summary>
    public required double TrainUnknownRate { get; init; }
    public required double ValUnknownRate { get; init; }

    public void Dispose()
    {
        Train.Dispose();
        Val.Dispose();
        Test.Dispose();
    }
}

/// <summary>
/// Vocabulary and encoding in streaming passes over a <see cref="SegmentedCorpus"/>: one pass counts the training
/// tokens, one writes every split's rows to <see cref="EncodedRowFile"/>s. Memory holds the token table, one count per
/// distinct token and a few integers per document, whatever the corpus size. The result equals building the
/// vocabulary with <see cref="Vocabulary.Build"/> and encoding with <see cref="SequenceEncoder.EncodeAll"/> in memory.
/// </summary>
public static class CorpusEncoding
{
    /// <param name="heldOut">Training documents (by reading position) that are validation instead, or null when the
    /// corpus has validation documents of its own.</param>
    /// <param name="vocabularyFor">Given a function that builds the vocabulary from the training counts, returns the
    /// vocabulary to use (e.g. a saved one on resume).</param>
    /// <param name="corpusPath">For the message about a label that is not a training class.</param>
    /// <param name="rowFolder">Where the row files are created (they have no name and vanish with the process).</param>
    public static EncodedCorpus Encode(SegmentedCorpus corpus, IReadOnlyList<string> classes, bool[]? heldOut,
        Func<Func<Vocabulary>, Vocabulary> vocabularyFor, VocabularyOptions vocabularyOptions, EncodingOptions encoding,
        string corpusPath, string rowFolder, CancellationToken ct)
    {
        var table = corpus.Tokens;
        bool Held(int index) => heldOut is not null && heldOut[index];

        var rawTrainLengths = new List<int>();
        var vocabulary = vocabularyFor(() =>
        {
            var counts = new long[table.Count];
            var index = 0;
            foreach (var doc in corpus.Read(Split.Train))
            {
                if (index++ % 4096 == 0) ct.ThrowIfCancellationRequested();
                if (Held(index - 1)) continue;
                foreach (var token in doc.Tokens) counts[token]++;
            }
            return Vocabulary.FromCounts(Enumerable.Range(0, table.Count).Where(i => counts[i] > 0)
                .Select(i => KeyValuePair.Create(table[i], counts[i])), vocabularyOptions);
        });

        var idOfToken = new int[table.Count];
        var known = new bool[table.Count];
        for (var i = 0; i < table.Count; i++)
        {
            idOfToken[i] = vocabulary.IdOf(table[i]);
            known[i] = vocabulary.Contains(table[i]);
        }
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var classOfLabel = corpus.LabelTable.Select(label => classIndex.GetValueOrDefault(label, -1)).ToArray();
        var encoder = new SequenceEncoder(vocabulary, encoding);

        var train = new Rows(rowFolder, encoding.MaxLen, vocabulary.Count);
        var val = new Rows(rowFolder, encoding.MaxLen, vocabulary.Count);
        var test = new Rows(rowFolder, encoding.MaxLen, vocabulary.Count);
        try
        {
            var row = new int[encoding.MaxLen];
            void Add(Rows rows, SegmentedDocument doc)
            {
                var label = classOfLabel[doc.Label];
                if (label < 0)
                    throw UserInputException.At(corpusPath, null,
                        $"label '{corpus.LabelTable[doc.Label]}' ({doc.Source}) is not among the training classes ({string.Join(", ", classes)}). Give every class training documents");
                Array.Clear(row);
                var length = encoder.EncodeInto(doc.Tokens, idOfToken, row);
                rows.Add(row, length, label);
                foreach (var token in doc.Tokens)
                    if (!known[token]) rows.Unknown++;
                rows.Tokens += doc.Tokens.Length;
            }

            var index = 0;
            foreach (var doc in corpus.Read(Split.Train))
            {
                if (index % 4096 == 0) ct.ThrowIfCancellationRequested();
                if (Held(index++)) Add(val, doc);
                else
                {
                    Add(train, doc);
                    rawTrainLengths.Add(doc.Tokens.Length);
                }
            }
            if (heldOut is null)
                foreach (var doc in corpus.Read(Split.Val)) Add(val, doc);
            foreach (var doc in corpus.Read(Split.Test)) Add(test, doc);
            ct.ThrowIfCancellationRequested();
            return new EncodedCorpus
            {
                Vocabulary = vocabulary, Train = train.Complete(), Val = val.Complete(), Test = test.Complete(),
                RawTrainLengths = rawTrainLengths.ToArray(),
                TrainUnknownRate = train.UnknownRate, ValUnknownRate = val.UnknownRate,
            };
        }
        catch
        {
            train.Dispose();
            val.Dispose();
            test.Dispose();
            throw;
        }
    }

    /// <summary>One split's rows as they are written, with its lengths, labels and unknown-token count.</summary>
    private sealed class Rows(string folder, int maxLen, int vocabularySize) : IDisposable
    {
        private readonly EncodedRowFile file = EncodedRowFile.Create(folder, maxLen, vocabularySize);
        private readonly List<int> lengths = [];
        private readonly List<int> labels = [];
        public long Unknown;
        public long Tokens;

        public double UnknownRate => Tokens == 0 ? 0 : (double)Unknown / Tokens;

        public void Add(ReadOnlySpan<int> row, int length, int label)
        {
            file.Append(row);
            lengths.Add(length);
            labels.Add(label);
        }

        public EncodedDataset Complete()
        {
            file.Complete();
            return new EncodedDataset(file, lengths.ToArray(), labels.ToArray());
        }

        public void Dispose() => file.Dispose();
    }
}

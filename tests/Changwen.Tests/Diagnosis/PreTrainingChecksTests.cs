using Changwen.Data;
using Changwen.Diagnosis;
using static Changwen.Tests.Diagnosis.DiagnosisFixtures;

namespace Changwen.Tests.Diagnosis;

public sealed class PreTrainingChecksTests
{
    private static readonly string[] ThreeClasses = ["体育", "财经", "科技"];

    /// <summary>A clean setup: full-length shuffled rows, balanced classes, few unknown words, a small vocabulary.</summary>
    private static PreTrainingInput Clean(int maxLen = 50, int perClass = 40)
    {
        var labels = Labels(3, perClass, sorted: false);
        var lengths = Enumerable.Repeat(maxLen, labels.Length).ToArray();
        return new PreTrainingInput
        {
            Options = new TrainOptions { Encoding = new EncodingOptions { MaxLen = maxLen }, Model = new ModelOptions { EmbeddingDim = 16 } },
            Train = Dataset(maxLen, lengths, labels),
            Val = Dataset(maxLen, lengths[..9], labels[..9]),
            RawTrainLengths = lengths.Select((n, i) => i % 10 == 0 ? n + 20 : n - i % 7).ToArray(), // a tenth cut, none mostly padding
            Classes = ThreeClasses,
            TrainUnknownRate = 0.01, ValUnknownRate = 0.02, VocabularySize = 500,
        };
    }

    [Fact]
    public void A_clean_setup_raises_nothing() => Assert.Empty(PreTrainingChecks.Run(Clean()));

    // ---- label order

    [Fact]
    public void Label_sorted_training_data_without_shuffling_is_reported()
    {
        var clean = Clean();
        var sorted = Labels(3, 40, sorted: true);
        var input = clean with
        {
            Options = clean.Options with { Optimizer = clean.Options.Optimizer with { Shuffle = false } },
            Train = Dataset(50, clean.Train.Lengths, sorted),
        };
        var finding = Assert.Single(PreTrainingChecks.Run(input));
        Assert.Equal(FindingCode.LabelOrderedUnshuffled, finding.Code);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains("Drop --no-shuffle", finding.Message);
        Assert.Equal(3, finding.Evidence["label_runs"]);
        Assert.Null(finding.Epoch);
    }

    [Fact]
    public void Corpus_reading_order_by_label_counts_even_when_the_rows_look_mixed()
    {
        var clean = Clean();
        var input = clean with { Options = clean.Options with { Optimizer = clean.Options.Optimizer with { Shuffle = false } }, CorpusOrderedByLabel = true };
        Assert.Single(PreTrainingChecks.Run(input), f => f.Code == FindingCode.LabelOrderedUnshuffled);
    }

    [Fact]
    public void Sorted_data_with_shuffling_on_or_mixed_data_without_it_is_fine()
    {
        var clean = Clean();
        var sortedShuffled = clean with { Train = Dataset(50, clean.Train.Lengths, Labels(3, 40, sorted: true)), CorpusOrderedByLabel = true };
        Assert.Empty(PreTrainingChecks.Run(sortedShuffled));
        var mixedUnshuffled = clean with { Options = clean.Options with { Optimizer = clean.Options.Optimizer with { Shuffle = false } } };
        Assert.Empty(PreTrainingChecks.Run(mixedUnshuffled));
    }

    // ---- padding read as the last step

    [Fact]
    public void Post_padded_rows_read_at_the_last_step_are_reported_with_share_and_median_pad_steps()
    {
        var clean = Clean();
        // 500-word rows, 40% of documents 100 words long, the rest full: the median is taken over the padded
        // documents (400 pad steps), not over all of them (0), which would hide the padding.
        var lengths = Enumerable.Range(0, 120).Select(i => i % 5 < 2 ? 100 : 500).ToArray();
        var input = clean with
        {
            Options = clean.Options with { Encoding = new EncodingOptions { MaxLen = 500, Pad = PadSide.Post } },
            Train = Dataset(500, lengths, clean.Train.Labels),
            RawTrainLengths = lengths,
        };
        var finding = Assert.Single(PreTrainingChecks.Run(input), f => f.Code == FindingCode.PaddingLastStep);
        Assert.Equal(0.4, (double)finding.Evidence["share_ending_in_padding"], 6);
        Assert.Equal(400.0, finding.Evidence["median_pad_steps"]);
        Assert.Contains("40%", finding.Message);
        Assert.Contains("Use --pool true-last or --pad pre", finding.Message);

        Assert.DoesNotContain(PreTrainingChecks.Run(input with { Options = input.Options with { Encoding = input.Options.Encoding with { Pad = PadSide.Pre } } }),
            f => f.Code == FindingCode.PaddingLastStep);
        Assert.DoesNotContain(PreTrainingChecks.Run(input with { ReadsLastStep = false }), f => f.Code == FindingCode.PaddingLastStep);
    }

    [Fact]
    public void A_few_short_documents_are_not_a_padding_problem()
    {
        var clean = Clean();
        var lengths = Enumerable.Range(0, 120).Select(i => i % 10 == 0 ? 30 : 50).ToArray(); // 10% padded
        Assert.DoesNotContain(PreTrainingChecks.Run(clean with { Train = Dataset(50, lengths, clean.Train.Labels) }), f => f.Code == FindingCode.PaddingLastStep);
    }

    [Fact]
    public void MergeNet_pad_steps_are_counted_after_its_pooling()
    {
        var model = new ModelOptions { Kind = ModelKind.Mergenet, KernelSize = 3, PkernelSize = 10 };
        // 500 ids → 498 conv positions → 49 pooled steps; 100 words fill the first 10 of them.
        Assert.Equal(39, PaddingExposure.PadStepsRead(100, 500, model));
        Assert.Equal(0, PaddingExposure.PadStepsRead(495, 500, model));
        Assert.Equal(400, PaddingExposure.PadStepsRead(100, 500, new ModelOptions()));
    }

    // ---- truncation

    [Fact]
    public void Max_len_that_cuts_most_documents_is_noted_with_a_suggested_length()
    {
        var input = Clean() with { RawTrainLengths = Enumerable.Range(0, 120).Select(i => 80 + i).ToArray() };
        var finding = Assert.Single(PreTrainingChecks.Run(input));
        Assert.Equal(FindingCode.Truncation, finding.Code);
        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Equal(1.0, (double)finding.Evidence["share_truncated"]);
        Assert.Equal(200, finding.Evidence["suggested_max_len"]); // 90th percentile 187, rounded up to 50s
        Assert.Contains("--max-len 200", finding.Message);
    }

    [Fact]
    public void Max_len_far_above_most_documents_is_noted_as_mostly_padding()
    {
        var clean = Clean();
        var lengths = Enumerable.Range(0, 120).Select(i => 10 + i % 10).ToArray();
        var input = clean with { Train = Dataset(50, lengths, clean.Train.Labels), RawTrainLengths = lengths, ReadsLastStep = false };
        var finding = Assert.Single(PreTrainingChecks.Run(input));
        Assert.Equal(FindingCode.Truncation, finding.Code);
        Assert.Equal(1.0, (double)finding.Evidence["share_more_than_half_padding"]);
        Assert.Equal(0.0, (double)finding.Evidence["share_truncated"]);
    }

    // ---- imbalance

    [Fact]
    public void A_tenfold_class_imbalance_or_a_class_with_few_documents_is_reported()
    {
        var clean = Clean();
        var labels = Enumerable.Repeat(0, 200).Concat(Enumerable.Repeat(1, 100)).Concat(Enumerable.Repeat(2, 15)).ToArray();
        var lengths = Enumerable.Repeat(50, labels.Length).ToArray();
        var input = clean with { Train = Dataset(50, lengths, labels), RawTrainLengths = lengths };
        var finding = Assert.Single(PreTrainingChecks.Run(input));
        Assert.Equal(FindingCode.Imbalance, finding.Code);
        Assert.Equal("体育", finding.Evidence["largest_class"]);
        Assert.Equal("科技", finding.Evidence["smallest_class"]);
        Assert.Contains("科技 (15)", finding.Message);

        var empty = labels.Where(l => l != 2).ToArray();
        var withEmptyClass = clean with { Train = Dataset(50, lengths[..empty.Length], empty), RawTrainLengths = lengths[..empty.Length] };
        Assert.Equal(double.PositiveInfinity, (double)Assert.Single(PreTrainingChecks.Run(withEmptyClass)).Evidence["ratio"]);
    }

    [Fact]
    public void Balanced_classes_with_few_documents_each_are_reported_as_too_small_not_as_skewed()
    {
        var clean = Clean();
        var labels = Enumerable.Range(0, 3).SelectMany(c => Enumerable.Repeat(c, 16)).ToArray();
        var lengths = Enumerable.Repeat(50, labels.Length).ToArray();
        var finding = Assert.Single(PreTrainingChecks.Run(clean with { Train = Dataset(50, lengths, labels), RawTrainLengths = lengths }));
        Assert.Equal(FindingCode.SmallClasses, finding.Code);
        Assert.StartsWith("3 of 3 classes have fewer than 20 training documents: 体育 (16)", finding.Message);
        Assert.DoesNotContain("imbalanced", finding.Message);
    }

    [Fact]
    public void A_threefold_imbalance_with_enough_documents_is_fine()
    {
        var clean = Clean();
        var labels = Enumerable.Repeat(0, 90).Concat(Enumerable.Repeat(1, 60)).Concat(Enumerable.Repeat(2, 30)).ToArray();
        var lengths = Enumerable.Repeat(50, labels.Length).ToArray();
        Assert.Empty(PreTrainingChecks.Run(clean with { Train = Dataset(50, lengths, labels), RawTrainLengths = lengths }));
    }

    // ---- unknown words

    [Theory]
    [InlineData(0.01, 0.12)] // high in absolute terms
    [InlineData(0.005, 0.06)] // much higher than train
    public void Many_unknown_validation_words_are_reported(double train, double val)
    {
        var finding = Assert.Single(PreTrainingChecks.Run(Clean() with { TrainUnknownRate = train, ValUnknownRate = val }));
        Assert.Equal(FindingCode.UnknownWords, finding.Code);
        Assert.Contains("--tokenizer char", finding.Message);
    }

    [Fact]
    public void A_vocabulary_cut_by_max_vocab_suggests_raising_it()
    {
        var clean = Clean();
        var input = clean with
        {
            Options = clean.Options with { Vocabulary = new VocabularyOptions { MaxVocab = 500 } },
            TrainUnknownRate = 0.04, ValUnknownRate = 0.11,
        };
        Assert.Contains("Raise --max-vocab (now 500)", Assert.Single(PreTrainingChecks.Run(input)).Message);
    }

    [Fact]
    public void Few_unknown_words_in_val_are_fine() =>
        Assert.Empty(PreTrainingChecks.Run(Clean() with { TrainUnknownRate = 0.03, ValUnknownRate = 0.05 }));

    // ---- capacity

    [Fact]
    public void Many_embedding_parameters_per_training_document_are_noted_as_an_overfitting_risk()
    {
        var clean = Clean();
        var input = clean with { Options = clean.Options with { Model = new ModelOptions { EmbeddingDim = 128 } }, VocabularySize = 50_000 };
        var finding = Assert.Single(PreTrainingChecks.Run(input));
        Assert.Equal(FindingCode.Capacity, finding.Code);
        Assert.Equal(Severity.Info, finding.Severity);
        Assert.Equal(6_400_000L, finding.Evidence["embedding_parameters"]);
        Assert.Contains("--max-vocab", finding.Message);
    }
}

using Changwen.Data;
using Changwen.Diagnosis;
using Changwen.Runs;
using Changwen.Training;
using static Changwen.Tests.Diagnosis.DiagnosisFixtures;

namespace Changwen.Tests.Diagnosis;

public sealed class TrainingWatcherTests
{
    // ---- plateau

    [Fact]
    public void Loss_flat_at_ln_C_for_an_epoch_is_a_plateau_blamed_on_the_padded_last_step()
    {
        var watcher = new TrainingWatcher(Context(padded: true));
        var found = FeedLosses(watcher, FlatAtChance(14, 300, seed: 1), 200);

        var plateau = Assert.Single(found, f => f.Code == FindingCode.Plateau);
        Assert.Equal(200, plateau.Step);
        Assert.Equal(1, plateau.Epoch);
        Assert.Contains("--pool true-last or --pad pre", plateau.Message);
        Assert.Contains("93%", plateau.Message);
        Assert.Equal(FindingCode.PaddingLastStep, plateau.Evidence["cause"]);
        Assert.DoesNotContain(found, f => f.Code == FindingCode.LrTooHigh);
    }

    [Fact]
    public void Plateau_on_label_ordered_unshuffled_data_names_no_shuffle()
    {
        var watcher = new TrainingWatcher(Context(labelOrdered: true));
        var plateau = Assert.Single(FeedLosses(watcher, FlatAtChance(14, 250, seed: 2), 200));
        Assert.Equal(FindingCode.Plateau, plateau.Code);
        Assert.Contains("drop --no-shuffle", plateau.Message);
        Assert.DoesNotContain("--pool", plateau.Message);
    }

    [Fact]
    public void Plateau_without_a_known_cause_suggests_other_learning_rates()
    {
        var watcher = new TrainingWatcher(Context(lr: 0.0003));
        var plateau = Assert.Single(FeedLosses(watcher, FlatAtChance(14, 250, seed: 3), 200));
        Assert.Contains("--lr 0.00003", plateau.Message);
        Assert.Contains("--lr 0.0009", plateau.Message);
    }

    [Fact]
    public void Loss_that_starts_at_ln_C_and_falls_within_the_first_epoch_is_not_a_plateau()
    {
        var watcher = new TrainingWatcher(Context(padded: true));
        var found = FeedLosses(watcher, Falling(14, 1000, 200, seed: 4), 200);
        Assert.Empty(found);
    }

    [Fact]
    public void A_slow_start_that_leaves_ln_C_before_the_epoch_ends_is_not_a_plateau()
    {
        // 150 steps at chance, then learning: the first epoch (200 steps) does not stay at ln C.
        var watcher = new TrainingWatcher(Context());
        var losses = FlatAtChance(14, 150, seed: 5).Concat(Falling(14, 400, 100, seed: 6));
        Assert.DoesNotContain(FeedLosses(watcher, losses, 200), f => f.Code == FindingCode.Plateau);
    }

    [Fact]
    public void Plateau_is_not_judged_on_too_few_steps()
    {
        // Tiny data: 10 steps per epoch, 40 steps in all is below the 50 the smoothed loss needs.
        var watcher = new TrainingWatcher(Context(stepsPerEpoch: 10));
        Assert.Empty(FeedLosses(watcher, FlatAtChance(14, 40, seed: 7), 10));
        Assert.Single(FeedLosses(watcher, FlatAtChance(14, 20, seed: 8), 10), f => f.Code == FindingCode.Plateau);
    }

    [Fact]
    public void Loss_flat_at_the_class_frequency_level_on_unbalanced_classes_is_a_plateau()
    {
        // thucnews' shape: 14 classes whose shares cost 2.17 to answer, far under ln 14 = 2.64 and its 5% band.
        var watcher = new TrainingWatcher(Context(padded: true) with { PriorLoss = 2.17 });
        var random = new Random(31);
        var found = FeedLosses(watcher, Enumerable.Range(0, 250).Select(_ => 2.17 + 0.04 * Gaussian(random)), 200);

        var plateau = Assert.Single(found, f => f.Code == FindingCode.Plateau);
        Assert.Equal(200, plateau.Step);
        Assert.Contains("class-frequency level", plateau.Message);
        Assert.Contains("--pool true-last or --pad pre", plateau.Message);
        Assert.Equal(2.17, (double)plateau.Evidence["prior_loss"], 3);
    }

    [Fact]
    public void The_same_flat_loss_is_no_plateau_when_the_classes_are_balanced()
    {
        // With balanced classes 2.17 is well under ln 14: the model has learned something from the words.
        var watcher = new TrainingWatcher(Context(padded: true) with { PriorLoss = Math.Log(14) });
        var random = new Random(31);
        Assert.Empty(FeedLosses(watcher, Enumerable.Range(0, 250).Select(_ => 2.17 + 0.04 * Gaussian(random)), 200));
    }

    [Fact]
    public void Loss_flat_at_ln_C_is_still_a_plateau_at_chance_when_the_prior_loss_is_lower()
    {
        var watcher = new TrainingWatcher(Context() with { PriorLoss = 2.17 });
        var plateau = Assert.Single(FeedLosses(watcher, FlatAtChance(14, 250, seed: 32), 200));
        Assert.Contains("stayed at chance", plateau.Message);
    }

    [Fact]
    public void A_healthy_run_passes_the_class_frequency_level_within_the_epoch()
    {
        var watcher = new TrainingWatcher(Context(padded: true) with { PriorLoss = 2.17 });
        Assert.Empty(FeedLosses(watcher, Falling(14, 600, 200, seed: 33), 200));
    }

    [Fact]
    public void The_prior_loss_is_the_entropy_of_the_class_shares_unless_the_loss_balances_them()
    {
        long[] counts = [300, 100];
        var entropy = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25));
        Assert.Equal(entropy, WatchContext.PriorLossOf(counts, new OptimizerOptions())!.Value, 12);
        Assert.Equal(Math.Log(2), WatchContext.PriorLossOf(counts, new OptimizerOptions { ClassWeight = ClassWeighting.Balanced })!.Value, 12);
        Assert.Equal(Math.Log(2), WatchContext.PriorLossOf(counts, new OptimizerOptions { Sampler = SamplerKind.Balanced })!.Value, 12);
        Assert.Equal(Math.Log(3), WatchContext.PriorLossOf([5, 5, 5], new OptimizerOptions())!.Value, 12);
        Assert.Null(WatchContext.PriorLossOf([0, 0], new OptimizerOptions()));
    }

    [Fact]
    public void The_context_of_a_run_takes_its_prior_loss_from_the_training_labels()
    {
        var train = Dataset(10, [5, 5, 5, 5], [0, 0, 0, 1]);
        var context = WatchContext.For(new TrainOptions(), ["甲", "乙"], train, readsLastStep: false, corpusOrderedByLabel: false);
        Assert.Equal(-(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25)), context.PriorLoss!.Value, 12);
    }

    [Fact]
    public void A_stall_while_reading_one_step_far_from_the_first_words_names_the_long_path_and_pool_max()
    {
        var watcher = new TrainingWatcher(Context() with { MedianPathToReadStep = 500 });
        var plateau = Assert.Single(FeedLosses(watcher, FlatAtChance(14, 250, seed: 34), 200));
        Assert.Contains("a median 500 LSTM steps after a document's first word", plateau.Message);
        Assert.Contains("use --pool max", plateau.Message);
        Assert.DoesNotContain("--lr", plateau.Message);
        Assert.Equal("long-path", plateau.Evidence["cause"]);
    }

    [Fact]
    public void A_short_path_to_the_step_read_is_no_cause_and_the_learning_rate_advice_stays()
    {
        var watcher = new TrainingWatcher(Context() with { MedianPathToReadStep = 50 });
        var plateau = Assert.Single(FeedLosses(watcher, FlatAtChance(14, 250, seed: 35), 200));
        Assert.Contains("--lr", plateau.Message);
        Assert.Equal("unknown", plateau.Evidence["cause"]);
    }

    [Theory]
    [InlineData(PoolKind.Last, PadSide.Post, false, false, 100.0)] // the post: the whole padded row
    [InlineData(PoolKind.Last, PadSide.Post, true, false, 30.0)]   // buckets cut rows to about the document
    [InlineData(PoolKind.Last, PadSide.Pre, false, false, 30.0)]
    [InlineData(PoolKind.TrueLast, PadSide.Post, false, false, 30.0)]
    [InlineData(PoolKind.TrueLast, PadSide.Post, false, true, null)] // two directions: the backward one reaches the first words
    [InlineData(PoolKind.Max, PadSide.Post, false, false, null)]
    [InlineData(PoolKind.Mean, PadSide.Post, false, false, null)]
    public void The_path_to_the_step_read_is_the_median_document_or_the_whole_padded_row(PoolKind pool, PadSide pad, bool bucket, bool bidirectional, double? expected)
    {
        var train = Dataset(100, [10, 30, 30, 80, 100], [0, 1, 0, 1, 0]);
        var options = new TrainOptions
        {
            Encoding = new EncodingOptions { MaxLen = 100, Pad = pad },
            Model = new ModelOptions { Kind = ModelKind.Lstm, Pool = pool, Bidirectional = bidirectional },
            Optimizer = new OptimizerOptions { Bucket = bucket },
        };
        Assert.Equal(expected, WatchContext.For(options, ["甲", "乙"], train, readsLastStep: pool == PoolKind.Last, corpusOrderedByLabel: false).MedianPathToReadStep);
    }

    [Fact]
    public void MergeNet_pools_the_path_by_its_pool_kernel()
    {
        var options = new TrainOptions
        {
            Encoding = new EncodingOptions { MaxLen = 3000 },
            Model = new ModelOptions { Kind = ModelKind.Mergenet, Pool = PoolKind.Last, PkernelSize = 20 },
            Optimizer = new OptimizerOptions { Bucket = false },
        };
        Assert.Equal(150, WatchContext.PathToReadStep(null, 3000, options));
    }

    // ---- lr-too-high

    [Fact]
    public void Smoothed_loss_far_above_ln_C_says_lower_the_learning_rate_by_ten()
    {
        var random = new Random(9);
        var watcher = new TrainingWatcher(Context(lr: 1));
        var losses = Enumerable.Range(0, 100).Select(_ => 2.2 * Math.Log(14) + 0.5 * Gaussian(random));
        var finding = Assert.Single(FeedLosses(watcher, losses, 200));
        Assert.Equal(FindingCode.LrTooHigh, finding.Code);
        Assert.Equal(TrainingWatcher.SmoothingWindow, finding.Step);
        Assert.Contains("--lr 0.1", finding.Message);
        Assert.Equal(0.1, (double)finding.Evidence["suggested_lr"], 10);
    }

    [Fact]
    public void A_NaN_loss_says_lower_the_learning_rate()
    {
        var watcher = new TrainingWatcher(Context(lr: 0.01));
        var losses = Falling(14, 30, 200, seed: 10).Append(double.NaN);
        var finding = Assert.Single(FeedLosses(watcher, losses, 200));
        Assert.Equal(FindingCode.LrTooHigh, finding.Code);
        Assert.Equal(31, finding.Step);
        Assert.Contains("NaN", finding.Message);
        Assert.Contains("--lr 0.001", finding.Message);
    }

    [Fact]
    public void Single_loss_spikes_above_ln_C_are_not_a_too_high_learning_rate()
    {
        var watcher = new TrainingWatcher(Context());
        // A healthy run with one batch at 3× ln C every 50 steps: the 20-step mean stays far below 1.5× ln C.
        var losses = Falling(14, 600, 200, seed: 11).Select((l, i) => i % 50 == 49 ? 3 * Math.Log(14) : l);
        Assert.Empty(FeedLosses(watcher, losses, 200));
    }

    [Fact]
    public void A_loss_near_the_class_frequencies_is_no_plateau_once_validation_beats_them()
    {
        // Issue 22: a healthy MergeNet run (14 balanced classes, 43.5 % val accuracy after epoch 1) was warned of a
        // plateau in epoch 2 because its training loss still sat near ln 14.
        var watcher = new TrainingWatcher(Context(stepsPerEpoch: 200));
        var valActual = Enumerable.Repeat(10L, 14).ToArray();
        Assert.Empty(FeedLosses(watcher, FlatAtChance(14, 40, seed: 21), 200));
        Assert.Empty(watcher.OnEpoch(Epoch(1, 2.6, 0.2, 2.4, 0.435), valPredicted: Enumerable.Repeat(10L, 14).ToArray(), valActual: valActual));
        Assert.True(watcher.LearnedOnValidation);
        var epoch2 = FlatAtChance(14, 300, seed: 22).Select((loss, i) => (Step: 201L + i, Loss: loss));
        Assert.DoesNotContain(epoch2.SelectMany(s => watcher.OnStep(2, s.Step, s.Loss)), f => f.Code == FindingCode.Plateau);

        // The same losses after an epoch at the class-frequency level are a plateau.
        var stuck = new TrainingWatcher(Context(stepsPerEpoch: 200));
        Assert.Empty(stuck.OnEpoch(Epoch(1, 2.6, 0.07, 2.6, 0.07), valPredicted: Enumerable.Repeat(10L, 14).ToArray(), valActual: valActual));
        Assert.False(stuck.LearnedOnValidation);
        Assert.Contains(FeedLosses(stuck, FlatAtChance(14, 300, seed: 22), 200), f => f.Code == FindingCode.Plateau);
    }

    // ---- collapse

    [Fact]
    public void Val_predictions_on_one_minor_class_for_two_epochs_are_a_collapse()
    {
        var watcher = new TrainingWatcher(Context(classes: 3, labelOrdered: true));
        Assert.Empty(watcher.OnEpoch(Epoch(1, 0.4, 0.33, 1.1, 0.3), valPredicted: [3, 2, 95], valActual: [30, 35, 35]));
        var found = watcher.OnEpoch(Epoch(2, 0.4, 0.33, 1.1, 0.3), valPredicted: [1, 2, 97], valActual: [30, 35, 35]);
        var collapse = Assert.Single(found);
        Assert.Equal(FindingCode.Collapse, collapse.Code);
        Assert.Equal(2, collapse.Epoch);
        Assert.Contains("epochs 1–2", collapse.Message);
        Assert.Contains("类2", collapse.Message);
        Assert.Contains("97%", collapse.Message);
        Assert.Contains("drop --no-shuffle", collapse.Message);
        Assert.Equal(0.97, (double)collapse.Evidence["predicted_share"], 6);
    }

    [Fact]
    public void One_collapsed_epoch_that_the_next_epoch_leaves_is_not_a_collapse()
    {
        // Healthy small-corpus runs answer one class after their first epoch and spread out in the second.
        var watcher = new TrainingWatcher(Context(classes: 3));
        Assert.Empty(watcher.OnEpoch(Epoch(1, 0.4, 0.33, 1.1, 0.3), valPredicted: [1, 2, 97], valActual: [30, 35, 35]));
        Assert.Empty(watcher.OnEpoch(Epoch(2, 0.6, 0.6, 0.9, 0.6), valPredicted: [30, 40, 30], valActual: [30, 35, 35]));
        Assert.Empty(watcher.OnEpoch(Epoch(3, 0.7, 0.7, 0.8, 0.7), valPredicted: [1, 2, 97], valActual: [30, 35, 35]));
    }

    [Fact]
    public void Predicting_the_majority_class_or_a_spread_is_not_a_collapse()
    {
        var watcher = new TrainingWatcher(Context(classes: 3));
        Assert.Empty(watcher.OnEpoch(Epoch(1, 0.9, 0.9, 0.3, 0.9), valPredicted: [95, 3, 2], valActual: [92, 4, 4]));
        Assert.Empty(watcher.OnEpoch(Epoch(2, 0.9, 0.9, 0.3, 0.9), valPredicted: [40, 30, 30], valActual: [34, 33, 33]));
    }

    // ---- vanishing gradients

    [Fact]
    public void Lstm_gradients_a_thousandfold_below_the_classifier_for_many_records_are_vanishing()
    {
        var watcher = new TrainingWatcher(Context(padded: true));
        var found = new List<Finding>();
        for (var step = 1; step <= 40; step++)
            found.AddRange(watcher.OnGradientNorms(1, step, Norms(lstm0: 2e-6, lstm1: 5e-4, classifier: 0.05)));
        var vanishing = Assert.Single(found);
        Assert.Equal(FindingCode.VanishingGradients, vanishing.Code);
        Assert.Equal(TrainingWatcher.VanishingSustainRecords, vanishing.Step);
        Assert.Equal("lstm layer 0", vanishing.Evidence["group"]);
        Assert.Contains("--pool true-last or --pad pre", vanishing.Message);
    }

    [Fact]
    public void Small_or_short_lived_lstm_gradient_gaps_are_not_vanishing()
    {
        var watcher = new TrainingWatcher(Context());
        var found = new List<Finding>();
        var step = 0;
        for (var round = 0; round < 5; round++)
        {
            // 29 records with a 5000× gap, then one ordinary record: never sustained for 30.
            for (var i = 0; i < TrainingWatcher.VanishingSustainRecords - 1; i++)
                found.AddRange(watcher.OnGradientNorms(1, ++step, Norms(lstm0: 1e-5, lstm1: 1e-5, classifier: 0.05)));
            found.AddRange(watcher.OnGradientNorms(1, ++step, Norms(lstm0: 1e-2, lstm1: 1e-2, classifier: 0.05)));
        }
        // A steady 100× gap is ordinary.
        for (var i = 0; i < 200; i++) found.AddRange(watcher.OnGradientNorms(1, ++step, Norms(lstm0: 5e-4, lstm1: 1e-3, classifier: 0.05)));
        Assert.Empty(found);
    }

    // ---- exploding gradients

    [Fact]
    public void A_gradient_norm_fifty_times_its_running_median_is_exploding()
    {
        var random = new Random(12);
        var watcher = new TrainingWatcher(Context(lr: 0.01));
        var found = new List<Finding>();
        for (var step = 1; step <= 60; step++)
            found.AddRange(watcher.OnGradientNorms(1, step, Norms(0.1, 0.1, Math.Exp(0.3 * Gaussian(random)))));
        Assert.Empty(found);
        var spike = Assert.Single(watcher.OnGradientNorms(1, 61, Norms(0.1, 0.1, 120)));
        Assert.Equal(FindingCode.ExplodingGradients, spike.Code);
        Assert.Contains("--clip-grad-norm", spike.Message);
        Assert.Contains("--lr 0.001", spike.Message);
        Assert.True((double)spike.Evidence["ratio"] >= TrainingWatcher.ExplodingSpike);
    }

    [Fact]
    public void A_NaN_or_infinite_gradient_is_exploding_at_once()
    {
        var watcher = new TrainingWatcher(Context());
        var finding = Assert.Single(watcher.OnGradientNorms(1, 3, Norms(0.1, double.PositiveInfinity, 0.2)));
        Assert.Equal(FindingCode.ExplodingGradients, finding.Code);
        Assert.Equal("lstm layer 1", finding.Evidence["group"]);
    }

    [Fact]
    public void Ordinary_gradient_noise_is_not_exploding()
    {
        // Log-normal noise with a factor-of-e spread per sigma, plus a slow drift: a lively but healthy run.
        var random = new Random(13);
        var watcher = new TrainingWatcher(Context());
        var found = new List<Finding>();
        for (var step = 1; step <= 3000; step++)
        {
            var scale = 1 + step / 1000.0;
            found.AddRange(watcher.OnGradientNorms(1 + step / 1000, step,
                Norms(scale * 0.05 * Math.Exp(0.5 * Gaussian(random)), scale * 0.05 * Math.Exp(0.5 * Gaussian(random)), scale * Math.Exp(Gaussian(random)))));
        }
        Assert.Empty(found);
    }

    // ---- overfitting

    [Fact]
    public void Memorised_train_set_with_stalled_val_and_rising_val_loss_is_overfitting()
    {
        var watcher = new TrainingWatcher(Context());
        var found = new List<Finding>();
        found.AddRange(watcher.OnEpoch(Epoch(1, 0.60, 0.80, 0.65, 0.78)));
        found.AddRange(watcher.OnEpoch(Epoch(2, 0.20, 0.95, 0.50, 0.85)));
        found.AddRange(watcher.OnEpoch(Epoch(3, 0.05, 0.99, 0.58, 0.84)));
        Assert.Empty(found);
        var overfitting = Assert.Single(watcher.OnEpoch(Epoch(4, 0.01, 0.998, 0.72, 0.845)));
        Assert.Equal(FindingCode.Overfitting, overfitting.Code);
        Assert.Equal(2, overfitting.Evidence["best_epoch"]);
        Assert.Contains("--patience 2", overfitting.Message);
    }

    [Fact]
    public void Improving_val_or_an_unmemorised_train_set_is_not_overfitting()
    {
        var improving = new TrainingWatcher(Context());
        Assert.Empty(improving.OnEpoch(Epoch(1, 0.3, 0.95, 0.5, 0.80)));
        Assert.Empty(improving.OnEpoch(Epoch(2, 0.1, 0.99, 0.45, 0.82)));
        Assert.Empty(improving.OnEpoch(Epoch(3, 0.05, 0.995, 0.44, 0.83)));

        var stillLearning = new TrainingWatcher(Context());
        Assert.Empty(stillLearning.OnEpoch(Epoch(1, 0.8, 0.70, 0.7, 0.75)));
        Assert.Empty(stillLearning.OnEpoch(Epoch(2, 0.7, 0.80, 0.8, 0.74)));
        Assert.Empty(stillLearning.OnEpoch(Epoch(3, 0.6, 0.85, 0.9, 0.73))); // val worse, but train is far from memorised
    }

    // ---- the whole run

    [Fact]
    public void A_healthy_run_raises_nothing()
    {
        const int stepsPerEpoch = 150;
        var random = new Random(14);
        var watcher = new TrainingWatcher(Context(classes: 5, stepsPerEpoch: stepsPerEpoch, padded: true));
        var found = new List<Finding>();
        var losses = Falling(5, 3 * stepsPerEpoch, stepsPerEpoch, seed: 15).ToArray();
        for (var i = 0; i < losses.Length; i++)
        {
            var epoch = i / stepsPerEpoch + 1;
            found.AddRange(watcher.OnStep(epoch, i + 1, losses[i]));
            found.AddRange(watcher.OnGradientNorms(epoch, i + 1, Norms(0.02 * Math.Exp(0.4 * Gaussian(random)), 0.03, 0.3 * Math.Exp(0.4 * Gaussian(random)))));
            if ((i + 1) % stepsPerEpoch == 0)
                found.AddRange(watcher.OnEpoch(Epoch(epoch, losses[i], 0.7 + 0.08 * epoch, losses[i] + 0.1, 0.68 + 0.07 * epoch), [22, 18, 20, 21, 19], [20, 20, 20, 20, 20]));
        }
        Assert.Empty(found);
    }

    [Fact]
    public void Each_detector_reports_once()
    {
        var watcher = new TrainingWatcher(Context());
        Assert.Single(watcher.OnStep(1, 1, double.NaN));
        Assert.Empty(watcher.OnStep(1, 2, double.NaN));
        Assert.Single(watcher.OnGradientNorms(1, 2, Norms(double.NaN, 0, 0)));
        Assert.Empty(watcher.OnGradientNorms(1, 3, Norms(double.NaN, 0, 0)));
    }

    private static Dictionary<string, double> Norms(double lstm0, double lstm1, double classifier) => new()
    {
        [GradientNorms.Embedding] = 1e-3, [GradientNorms.LstmLayer(0)] = lstm0, [GradientNorms.LstmLayer(1)] = lstm1,
        [GradientNorms.Classifier] = classifier,
    };

    private static EpochRecord Epoch(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy) => new()
    {
        Epoch = epoch, TrainLoss = trainLoss, TrainAccuracy = trainAccuracy, ValLoss = valLoss, ValAccuracy = valAccuracy, Lr = 0.001,
    };
}

public sealed class WatchContextTests
{
    [Fact]
    public void Context_for_a_run_knows_its_epoch_length_padding_and_label_order()
    {
        var lengths = Enumerable.Range(0, 100).Select(i => i % 4 == 0 ? 40 : 10).ToArray();
        var sorted = Labels(4, 25, sorted: true);
        var options = new TrainOptions
        {
            Encoding = new EncodingOptions { MaxLen = 40 },
            Optimizer = new OptimizerOptions { BatchSize = 32, Shuffle = false, Lr = 0.01 },
        };
        var context = WatchContext.For(options, ["a", "b", "c", "d"], Dataset(40, lengths, sorted), readsLastStep: true, corpusOrderedByLabel: false);
        Assert.Equal(4, context.StepsPerEpoch);
        Assert.Equal(4, context.NumClasses);
        Assert.True(context.ReadsLastPaddedStep);
        Assert.Equal(0.75, context.ShareEndingInPadding);
        Assert.True(context.LabelOrderedUnshuffled);

        var fixedRun = WatchContext.For(options with { Encoding = options.Encoding with { Pad = PadSide.Pre }, Optimizer = options.Optimizer with { Shuffle = true } },
            ["a", "b", "c", "d"], Dataset(40, lengths, sorted), readsLastStep: true, corpusOrderedByLabel: true);
        Assert.False(fixedRun.ReadsLastPaddedStep);
        Assert.False(fixedRun.LabelOrderedUnshuffled);
    }
}

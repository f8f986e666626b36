using Changwen.Runs;
using Changwen.Tfidf;

namespace Changwen.Tests.Tfidf;

/// <summary>How the C of the grid is kept: the best validation accuracy, a tie keeping the smaller C.</summary>
public sealed class LinearChoiceTests
{
    private static LinearFit Fit(double c, double valAccuracy, double valLoss) => new(c, 1, 0.1, valAccuracy, valLoss, 1);

    [Fact]
    public void The_first_fit_is_kept() => Assert.True(LinearTrainer.Improves(Fit(1, 0.5, 1), null));

    [Fact]
    public void A_higher_validation_accuracy_replaces_the_best() =>
        Assert.True(LinearTrainer.Improves(Fit(100, 0.95, 0.9), Fit(10, 0.94, 0.2)));

    [Fact]
    public void A_tie_keeps_the_smaller_C_even_at_a_lower_validation_loss() =>
        // thucnews, one-vs-rest: C = 10 and C = 100 both 94.44 % on validation, losses 0.381 and 0.243.
        Assert.False(LinearTrainer.Improves(Fit(100, 0.9444, 0.243), Fit(10, 0.9444, 0.381)));

    [Fact]
    public void A_lower_validation_accuracy_never_replaces_the_best() =>
        Assert.False(LinearTrainer.Improves(Fit(100, 0.93, 0.01), Fit(10, 0.94, 0.5)));
}

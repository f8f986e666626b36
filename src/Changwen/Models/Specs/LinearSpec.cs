namespace Changwen.Models;

/// <summary>
/// TF-IDF of word unigrams and bigrams and a multinomial logistic regression (Tfidf/): no network, no epochs. Trained
/// by the training job's linear branch and scored by the bundle's linear scorer.
/// </summary>
public sealed class LinearSpec : ModelSpec
{
    public override ModelKind Kind => ModelKind.Linear;
    public override string Summary => "linear (TF-IDF + logistic regression)";
    public override bool IsNetwork => false;
}

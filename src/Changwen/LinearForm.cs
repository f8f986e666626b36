namespace Changwen;

/// <summary>How the linear model turns its K class scores into probabilities (and what its fit minimises).</summary>
public enum LinearForm
{
    /// <summary>One softmax over the classes, fitted by the multinomial cross-entropy.</summary>
    Multinomial,
    /// <summary>
    /// One binary logistic regression per class against the rest (scikit-learn's liblinear form); the probabilities are
    /// the K sigmoids divided by their sum, as scikit-learn's one-vs-rest <c>predict_proba</c>.
    /// </summary>
    OneVsRest,
}

namespace Changwen.Models;

/// <summary>The original post's LSTM (<see cref="LstmClassifier"/>); the record defaults of <see cref="TrainOptions"/> are its measured best.</summary>
public sealed class LstmSpec : RecurrentModelSpec
{
    public override ModelKind Kind => ModelKind.Lstm;
    public override string Summary => "lstm";
    public override TextClassifierModel Create(ModelOptions options, int vocabSize, int numClasses) => new LstmClassifier(options, vocabSize, numClasses);
}

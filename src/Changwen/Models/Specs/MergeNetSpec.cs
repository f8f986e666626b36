namespace Changwen.Models;

/// <summary>The original post's Conv1d + MaxPool front end before the LSTM (<see cref="MergeNet"/>).</summary>
public sealed class MergeNetSpec : RecurrentModelSpec
{
    public override ModelKind Kind => ModelKind.Mergenet;
    public override string Summary => "mergenet";
    public override TextClassifierModel Create(ModelOptions options, int vocabSize, int numClasses) => new MergeNet(options, vocabSize, numClasses);

    /// <summary>The LSTM runs over pooled steps, p words each.</summary>
    public override int RecurrentSteps(ModelOptions options, int words) => Math.Max(1, words / options.PkernelSize);

    /// <summary>
    /// Conv position j holds a word when j &lt; length, pooled step i when i·p &lt; length, so ⌈length/p⌉ of its
    /// ⌊(T−k+1)/p⌋ steps hold words.
    /// </summary>
    public override int PadStepsRead(ModelOptions options, int length, int maxLen)
    {
        var steps = (maxLen - options.KernelSize + 1) / options.PkernelSize;
        var withWords = (length + options.PkernelSize - 1) / options.PkernelSize;
        return Math.Max(0, steps - withWords);
    }
}

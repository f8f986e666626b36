using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Models;

/// <summary>
/// Kim's CNN for sentence classification (2014): Embedding → one Conv1d of <c>Filters</c> channels per width in
/// <c>FilterWidths</c> → ReLU → max over time → concatenation → dropout → Linear. The &lt;pad&gt; embedding is fixed
/// at zero; every row gets (widest filter − 1) pads on both sides inside the model (a "wide" convolution), and the
/// max is taken only over windows that hold at least one real word, so the output does not depend on how much
/// padding a row has or on which side, and a row narrower than the widest filter (a short document, a bucketed
/// batch) still works.
/// </summary>
public sealed class TextCnn : TextClassifierModel
{
    private readonly Embedding embedding;
    private readonly ModuleList<Conv1d> conv;
    private readonly Dropout? dropout;
    private readonly Linear fc;

    public TextCnn(ModelOptions options, int vocabSize, int numClasses) : base("textcnn", options, vocabSize, numClasses)
    {
        Widths = options.ParseFilterWidths();
        embedding = nn.Embedding(vocabSize, options.EmbeddingDim, padding_idx: Text.Vocabulary.PadId);
        conv = nn.ModuleList(Widths.Select(width => nn.Conv1d(options.EmbeddingDim, options.Filters, width)).ToArray());
        dropout = CreateDropout(options);
        fc = nn.Linear(options.Filters * Widths.Count, numClasses);
        RegisterComponents();
        ApplyFreeze();
    }

    public override Parameter WordEmbeddings => embedding.weight!;

    /// <summary>The filter widths, in the order of the <c>conv.N</c> modules.</summary>
    public IReadOnlyList<int> Widths { get; }

    private int WidestFilter => Widths.Max();

    /// <summary>The pooled filter outputs <c>[B, Filters × widths]</c>, before dropout.</summary>
    public Tensor Features(Tensor ids)
    {
        using var scope = NewDisposeScope();
        // A wide convolution: widest-1 pads on both sides give every window that holds a word, edges included, so the
        // windows do not depend on how much padding the row had, and a row of one word still has windows.
        var margin = WidestFilter - 1;
        if (margin > 0) ids = nn.functional.pad(ids, [margin, margin], value: 0);
        var mask = RealTokenMask(ids).to_type(ScalarType.Float32).unsqueeze(1);         // [B,1,T]
        var embeds = embedding.call(ids).permute(0, 2, 1);                               // [B,E,T]
        var pooled = new List<Tensor>();
        for (var i = 0; i < conv.Count; i++)
        {
            var width = Widths[i];
            var activations = nn.functional.relu(conv[i].call(embeds));                 // [B,F,T-w+1]
            var realWindow = nn.functional.max_pool1d(mask, width, stride: 1).gt(Scalars.Zero); // [B,1,T-w+1]: a word in the window
            var max = activations.masked_fill(realWindow.logical_not(), Scalars.NegativeInfinity).max(2).values;
            // A document without words has no window: zeros instead of -inf.
            pooled.Add(max.masked_fill(realWindow.squeeze(1).any(1, keepdim: true).logical_not(), Scalars.Zero));
        }
        return cat(pooled, 1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor ids, Tensor lengths)
    {
        CheckInputs(ids, lengths);
        using var scope = NewDisposeScope();
        var features = Features(ids);
        if (dropout is not null) features = dropout.call(features);
        return fc.call(features).MoveToOuterDisposeScope();
    }
}

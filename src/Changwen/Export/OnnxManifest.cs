namespace Changwen.Export;

/// <summary>
/// manifest.json of an exported folder: what model.onnx takes and gives, and every setting another runtime needs to
/// turn a text into exactly the ids Changwen feeds it. Read with <see cref="IO.Json"/> (snake_case).
/// </summary>
/// <param name="ManifestVersion">Bumped whenever a field's meaning changes.</param>
/// <param name="Changwen">The Changwen version that exported the folder.</param>
/// <param name="ModelKind">lstm, mergenet, fasttext or textcnn.</param>
/// <param name="Model">The ONNX file, relative to the folder.</param>
/// <param name="Opset">The default-domain ONNX operator set of the graph.</param>
/// <param name="Inputs">Graph inputs in order.</param>
/// <param name="Outputs">Graph outputs in order.</param>
/// <param name="Vocabulary">The vocabulary file: line N (from 0) is the token of id N, <c>token&lt;TAB&gt;count</c>.</param>
/// <param name="Labels">The class names file (a JSON array); class index = position.</param>
/// <param name="Text">How a text becomes a row of ids.</param>
/// <param name="Bigrams">How the <c>bigram_buckets</c> input is computed (fastText with word bigrams only).</param>
public sealed record OnnxManifest(
    int ManifestVersion,
    string Changwen,
    string ModelKind,
    string Model,
    int Opset,
    IReadOnlyList<OnnxTensor> Inputs,
    IReadOnlyList<OnnxTensor> Outputs,
    string Vocabulary,
    string Labels,
    TextProcessing Text,
    BigramHashing? Bigrams)
{
    public const int CurrentVersion = 1;
    public const string FileName = "manifest.json";
    public const string ModelFile = "model.onnx";
    public const string IdsInput = "token_ids";
    public const string LengthsInput = "lengths";
    public const string LogitsOutput = "logits";
    public const string ProbabilitiesOutput = "probabilities";
}

/// <summary>One graph input or output: name, element type, shape (symbolic dimensions by name) and meaning.</summary>
public sealed record OnnxTensor(string Name, string Type, IReadOnlyList<string> Shape, string Meaning);

/// <summary>
/// The text processing of the training run. Tokenize (jieba.NET in its default mode with the user dictionary, or one
/// token per grapheme for <c>char</c>; <c>version</c> 2 keeps characters outside the BMP whole; drop stop words),
/// normalise first when <c>normalize</c> is nfkc, map tokens to ids (unknown → <c>unk_id</c>), keep
/// <c>max_len</c> tokens (the first ones for truncate=head, the last for tail), and pad with <c>pad_id</c> to
/// <c>max_len</c> after (post) or before (pre) the tokens. <c>lengths</c> is the count of real tokens kept.
/// </summary>
public sealed record TextProcessing(
    string Tokenizer,
    int TokenizerVersion,
    string Normalize,
    string? UserDictionary,
    string? StopWords,
    int MaxLen,
    string Truncate,
    string Pad,
    int PadId,
    int UnkId);

/// <summary>
/// The fastText bigram buckets: for columns t and t+1 of a padded row that both hold a word (id ≠ 0), FNV-1a 64-bit
/// over the 16 bytes of the two ids as little-endian int64 (first, then second; offset basis 14695981039346656037,
/// prime 1099511628211), modulo <c>buckets</c>, at column t; -1 everywhere else (pads, and the last column).
/// </summary>
public sealed record BigramHashing(string Input, int Buckets, string Hash);

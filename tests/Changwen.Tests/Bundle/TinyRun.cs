using System.Text;
using Changwen.Bundle;
using Changwen.Data;
using Changwen.Models;
using Changwen.Runs;
using Changwen.Text;
using Changwen.Training;

namespace Changwen.Tests.Bundle;

/// <summary>
/// Tiny invented corpora and a run folder trained on them, written file by file as a training run writes them.
/// Stands in for TrainingJob in these tests.
/// </summary>
public static class TinyRun
{
    /// <summary>Characters typical of each class; every document mixes them with shared filler characters.</summary>
    public static readonly IReadOnlyDictionary<string, string> ClassCharacters = new Dictionary<string, string>
    {
        ["体育"] = "球赛队员冠军比分进攻防守教练跑",
        ["财经"] = "股市银行利率投资基金债券涨跌税",
        ["科技"] = "芯片手机网络软件算法数据智能屏",
    };

    private const string Filler = "的了是在和有也都";

    /// <summary>One invented document of <paramref name="label"/>, 10–30 characters.</summary>
    public static string Document(string label, Random random)
    {
        var own = ClassCharacters[label];
        var text = new StringBuilder();
        var length = random.Next(10, 31);
        for (var i = 0; i < length; i++)
            text.Append(random.Next(3) == 0 ? Filler[random.Next(Filler.Length)] : own[random.Next(own.Length)]);
        return text.ToString();
    }

    /// <summary><c>label&lt;TAB&gt;text</c> lines, <paramref name="perClass"/> documents of every class, classes interleaved.</summary>
    public static string Tsv(int perClass, int seed, IEnumerable<string>? labels = null)
    {
        var random = new Random(seed);
        var names = (labels ?? ClassCharacters.Keys).ToArray();
        var text = new StringBuilder();
        for (var i = 0; i < perClass; i++)
            foreach (var label in names)
                text.Append(label).Append('\t').Append(Document(label, random)).Append('\n');
        return text.ToString();
    }

    public static TrainOptions Options(ModelKind kind = ModelKind.Lstm) => new()
    {
        Corpus = new CorpusOptions { ValFraction = 0.1, TestFraction = 0.2, SplitSeed = 5 },
        Tokenizer = new TokenizerOptions { Kind = TokenizerKind.Char },
        Encoding = new EncodingOptions { MaxLen = 24 },
        Model = new ModelOptions { Kind = kind, EmbeddingDim = 16, HiddenDim = 16, KernelSize = 3, PkernelSize = 4 },
        Optimizer = new OptimizerOptions { Epochs = 6, Lr = 0.02, BatchSize = 8, Seed = 7, Threads = 1 },
    };

    /// <summary>
    /// Trains on <paramref name="corpusPath"/> into <paramref name="runDir"/> and writes the bundle files. Returns the
    /// test split as the trained model saw it (encoded) and the model's own probabilities for it.
    /// </summary>
    public static (EncodedDataset Test, float[][] Probabilities, IReadOnlyList<Document> TestDocuments) Train(
        string corpusPath, string runDir, TrainOptions options)
    {
        var corpus = Corpus.Open(corpusPath, options.Corpus);
        var tokenizer = Tokenizers.Create(options.Tokenizer);
        List<TokenizedDocument> Tokenize(IEnumerable<Document> docs) =>
            docs.Select(d => new TokenizedDocument(d.Label, tokenizer.Tokenize(d.Text), d.Text.Length, d.Source)).ToList();
        var train = Tokenize(corpus.Read(Split.Train));
        var val = Tokenize(corpus.Read(Split.Val));
        var testDocuments = corpus.Read(Split.Test).ToList();
        var test = Tokenize(testDocuments);
        var labels = corpus.Classes;

        var vocabulary = Vocabulary.Build(train.Select(d => (IReadOnlyList<string>)d.Tokens), options.Vocabulary);
        var encoder = new SequenceEncoder(vocabulary, options.Encoding);
        int LabelIndex(string label) => labels.ToList().IndexOf(label);

        Directory.CreateDirectory(runDir);
        using var model = ModelFactory.Create(options.Model, vocabulary.Count, labels.Count, options.Optimizer.Seed);
        Trainer.Train(model, encoder.EncodeAll(train, LabelIndex), encoder.EncodeAll(val, LabelIndex), options, runDir);
        var encodedTest = encoder.EncodeAll(test, LabelIndex);
        var probabilities = Predictor.PredictProbabilities(model, encodedTest);

        RunFolder.WriteOptions(runDir, options);
        RunFolder.WriteLabels(runDir, labels);
        vocabulary.Save(Path.Combine(runDir, RunFolder.VocabularyFile));
        RunFolder.WriteCorpus(runDir, new CorpusRecord(corpus.Path, corpus.Fingerprint(), corpus.HasOwnSplits));
        if (!corpus.HasOwnSplits) corpus.WriteSplits(Path.Combine(runDir, RunFolder.SplitsFile));
        RunFolder.WriteFormat(runDir, options);
        return (encodedTest, probabilities, testDocuments);
    }

    /// <summary>Copies a run folder (to damage or move it without touching the shared one).</summary>
    public static string Copy(string runDir, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(runDir)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }
}

/// <summary>One LSTM run on a 60-document TSV corpus split by Changwen (val 10%, test 20%), shared by a test class.</summary>
public sealed class TinyRunFixture : IDisposable
{
    private readonly TempDir dir = new();

    public TinyRunFixture()
    {
        CorpusPath = dir.File("corpus/news.tsv", TinyRun.Tsv(perClass: 20, seed: 1));
        RunDir = Path.Combine(dir.Path, "run");
        (Test, Probabilities, TestDocuments) = TinyRun.Train(CorpusPath, RunDir, TinyRun.Options());
    }

    public string CorpusPath { get; }
    public string RunDir { get; }
    public EncodedDataset Test { get; }
    public float[][] Probabilities { get; }
    public IReadOnlyList<Document> TestDocuments { get; }

    /// <summary>A scratch folder for one test (under the fixture's, deleted with it).</summary>
    public string Scratch(string name)
    {
        var path = Path.Combine(dir.Path, "scratch", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => dir.Dispose();
}

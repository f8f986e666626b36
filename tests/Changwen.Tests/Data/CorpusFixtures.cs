using System.IO.Compression;
using System.Text;
using Changwen.Data;

namespace Changwen.Tests.Data;

/// <summary>Small invented corpora written by the tests themselves.</summary>
internal static class CorpusFixtures
{
    static CorpusFixtures() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding Gb18030 => Encoding.GetEncoding("GB18030");
    public static readonly Encoding Utf8NoBom = new UTF8Encoding(false);
    public static readonly Encoding Utf8Bom = new UTF8Encoding(true);

    private static readonly string[] Phrases =
    [
        "今天上午市里召开了一场关于春季植树的会议", "球队在主场以三比一战胜了来访的对手", "新上映的电影讲述了一个关于友情的故事",
        "专家提醒市民注意天气变化及时增添衣物", "这家公司宣布将在明年推出新的手机产品", "学校组织学生参观了本地的历史博物馆",
    ];

    /// <summary>An invented document, different for every (label, index).</summary>
    public static string DocumentText(string label, int i) =>
        $"{label}报道第{i}号：{Phrases[i % Phrases.Length]}，{Phrases[(i + label.Length) % Phrases.Length]}。记者编号{i * 7 + label.Length}。";

    /// <summary>A folder per class, <paramref name="perClass"/> documents in each, written in <paramref name="encoding"/>.</summary>
    public static void WriteFolders(string root, IReadOnlyDictionary<string, int> perClass, Encoding? encoding = null)
    {
        foreach (var (label, n) in perClass)
        {
            Directory.CreateDirectory(Path.Combine(root, label));
            for (var i = 0; i < n; i++)
                File.WriteAllText(Path.Combine(root, label, $"{i:D4}.txt"), DocumentText(label, i), encoding ?? Utf8NoBom);
        }
    }

    public static void WriteLines(string path, IEnumerable<string> lines, Encoding? encoding = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = (encoding ?? Utf8NoBom).GetPreamble().Concat((encoding ?? Utf8NoBom).GetBytes(string.Join("\n", lines) + "\n")).ToArray();
        if (path.EndsWith(".gz"))
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
    }

    /// <summary>label&lt;TAB&gt;text lines, classes interleaved.</summary>
    public static IEnumerable<string> TsvLines(string[] labels, int perClass, int offset = 0) =>
        Enumerable.Range(offset, perClass).SelectMany(i => labels.Select(l => $"{l}\t{DocumentText(l, i)}"));

    public static List<Document> ReadAll(Corpus corpus, Split split) => corpus.Read(split).ToList();

    public static CorpusOptions Defaults => new();
}

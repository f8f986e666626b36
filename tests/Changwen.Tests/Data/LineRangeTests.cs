using System.Text;
using Changwen.Bundle;
using Changwen.IO;

namespace Changwen.Tests.Data;

public sealed class LineRangeTests
{
    /// <summary>Lines as an unsharded run reads them: StreamReader.ReadLine over the whole file.</summary>
    private static List<string> ReadLines(Stream stream, bool detectBom)
    {
        var lines = new List<string>();
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectBom, 16, leaveOpen: true);
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine()) lines.Add(line);
        return lines;
    }

    public static TheoryData<string> Files => new()
    {
        // "\n", "\r\n" and lone "\r" line ends, multi-byte characters (3- and 4-byte UTF-8), an empty line, a BOM and no final break.
        "\uFEFF体育新闻\r\n球赛冠军\n\n股市\r银行利率𠀀投资\r\n芯片手机\n网络软件算法数据\r\r\n最后一行没有换行",
        string.Concat(Enumerable.Range(0, 40).Select(i => $"第{i}行，中文文本{new string('字', i % 7)}\n")),
        "",
        "一行",
        "\n\n\n",
        "甲\n\uFEFF乙\n\uFEFF丙\n丁\n",   // a byte order mark inside the file is text, whichever shard it opens
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Shards_cover_every_line_once_in_order_with_their_file_wide_numbers(string contents)
    {
        var bytes = Encoding.UTF8.GetBytes(contents);
        using var whole = new MemoryStream(bytes);
        var expected = ReadLines(whole, detectBom: true);
        foreach (var (count, align) in new[] { (1, 1), (2, 1), (3, 1), (5, 1), (8, 1), (64, 1), (3, 2), (5, 3), (8, 4), (4, 1000) })
        {
            var lines = new List<string>();
            long end = 0;
            for (var index = 0; index < count; index++)
            {
                using var stream = new MemoryStream(bytes);
                var range = LineRange.Of(stream, index, count, align);
                Assert.Equal(end, range.Start);                  // contiguous, starting at 0
                if (range.Length > 0)
                {
                    Assert.Equal(lines.Count + 1, range.FirstLine);          // the number an unsharded read gives its first line
                    Assert.Equal(0, (range.FirstLine - 1) % align);          // whole chunks of `align` lines
                }
                lines.AddRange(ReadLines(new StreamWindow(stream, range.Start, range.End), detectBom: range.Start == 0));
                end = range.End;
            }
            Assert.Equal(bytes.Length, end);
            Assert.Equal(expected, lines);
        }
    }

    [Fact]
    public void A_cut_inside_a_long_line_moves_to_the_next_line_start()
    {
        var bytes = Encoding.UTF8.GetBytes(new string('长', 100) + "\n短\n");   // 301 bytes, then 4
        using var stream = new MemoryStream(bytes);
        Assert.Equal(new LineRange(0, 301, 1), LineRange.Of(stream, 0, 2));
        Assert.Equal(new LineRange(301, 305, 2), LineRange.Of(stream, 1, 2));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    [InlineData(" 1 / 4 ", 1, 4)]
    public void Shard_parses_index_and_count(string text, int index, int count) =>
        Assert.Equal(new Shard(index, count), Shard.Parse(text, _ => null));

    [Theory]
    [InlineData("3/3", "must be 0 to 2")]
    [InlineData("0/0", "not a shard")]
    [InlineData("x", "not a shard")]
    [InlineData("-1/3", "not a shard")]
    [InlineData("1/3/4", "not a shard")]
    [InlineData("env/3", "JOB_COMPLETION_INDEX is not set")]
    public void Shard_refuses_bad_values_in_one_line(string text, string problem)
    {
        var e = Assert.Throws<UserInputException>(() => Shard.Parse(text, _ => null));
        Assert.Contains(problem, e.Message);
        Assert.StartsWith($"--shard {text}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Shard_env_takes_the_index_from_the_indexed_job_variable()
    {
        string? Job(string name) => name == Shard.IndexVariable ? "2" : null;
        Assert.Equal(new Shard(2, 3), Shard.Parse("env/3", Job));
        Assert.Contains("JOB_COMPLETION_INDEX=2 is not an index from 0 to 1", Assert.Throws<UserInputException>(() => Shard.Parse("env/2", Job)).Message);
    }
}

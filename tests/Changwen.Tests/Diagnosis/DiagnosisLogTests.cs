using System.Text.Json;
using Changwen.Diagnosis;
using Changwen.Runs;

namespace Changwen.Tests.Diagnosis;

public sealed class DiagnosisLogTests
{
    private static Finding F(string code, string message, int? epoch = null) => new()
    {
        Code = code, Severity = Severity.Warning, Message = message, Epoch = epoch, Step = epoch is null ? null : 40,
        Evidence = new Dictionary<string, object> { ["share"] = 0.8, ["pad"] = "post", ["steps"] = 400 },
    };

    [Fact]
    public void Keeps_each_code_once_first_occurrence_wins_and_returns_only_new_findings()
    {
        var log = new DiagnosisLog();
        var first = log.Add([F(FindingCode.Plateau, "first"), F(FindingCode.Collapse, "c")]);
        Assert.Equal(2, first.Count);
        var second = log.Add([F(FindingCode.Plateau, "second"), F(FindingCode.Overfitting, "o")]);
        Assert.Equal(FindingCode.Overfitting, Assert.Single(second).Code);
        Assert.Equal(["first", "c", "o"], log.Findings.Select(f => f.Message));
        Assert.Empty(log.Add([F(FindingCode.Plateau, "third")]));
    }

    [Fact]
    public void Writes_diagnosis_json_as_a_list_of_code_message_evidence_objects()
    {
        using var dir = new TempDir();
        var log = DiagnosisLog.Open(dir.Path, resume: false);
        log.Add([F(FindingCode.PaddingLastStep, "padding: use --pool true-last or --pad pre"), F(FindingCode.Plateau, "plateau", epoch: 1)]);

        var path = Path.Combine(dir.Path, RunFolder.DiagnosisFile);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        var padding = doc.RootElement[0];
        Assert.Equal("padding-last-step", padding.GetProperty("code").GetString());
        Assert.Equal("warning", padding.GetProperty("severity").GetString());
        Assert.Equal("padding: use --pool true-last or --pad pre", padding.GetProperty("message").GetString());
        Assert.Equal(0.8, padding.GetProperty("evidence").GetProperty("share").GetDouble());
        Assert.Equal("post", padding.GetProperty("evidence").GetProperty("pad").GetString());
        Assert.Equal(JsonValueKind.Null, padding.GetProperty("epoch").ValueKind);
        Assert.Equal(1, doc.RootElement[1].GetProperty("epoch").GetInt32());
        Assert.Equal(40, doc.RootElement[1].GetProperty("step").GetInt64());
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(dir.Path, ".*")));

        var read = DiagnosisLog.Read(path);
        Assert.Equal(["padding-last-step", "plateau"], read.Select(f => f.Code));
        Assert.Equal(0.8, read[0].Evidence["share"]);
        Assert.Equal(400.0, read[0].Evidence["steps"]);
        Assert.Equal("post", read[0].Evidence["pad"]);
    }

    [Fact]
    public void A_plateau_that_validation_left_behind_is_recorded_as_resolved_not_left_as_a_warning()
    {
        using var dir = new TempDir();
        var log = DiagnosisLog.Open(dir.Path, resume: false);
        log.Add([F(FindingCode.Plateau, "plateau", epoch: 1), F(FindingCode.Imbalance, "imbalance")]);

        var resolved = log.Resolve(TrainingWatcher.OverruledByValidation, epoch: 3);

        Assert.Equal(FindingCode.Plateau, Assert.Single(resolved).Code);
        Assert.Empty(log.Resolve(TrainingWatcher.OverruledByValidation, epoch: 4)); // once
        var read = DiagnosisLog.Read(Path.Combine(dir.Path, RunFolder.DiagnosisFile));
        Assert.Equal(3, read.Single(f => f.Code == FindingCode.Plateau).ResolvedEpoch);
        Assert.Null(read.Single(f => f.Code == FindingCode.Imbalance).ResolvedEpoch);
        Assert.EndsWith("(resolved after epoch 3)", read.Single(f => f.Code == FindingCode.Plateau).Describe());
    }

    [Fact]
    public void A_clean_check_writes_an_empty_list()
    {
        using var dir = new TempDir();
        Assert.Empty(DiagnosisLog.Open(dir.Path, resume: false).Add([]));
        Assert.Equal("[]", File.ReadAllText(Path.Combine(dir.Path, RunFolder.DiagnosisFile)).Trim());
    }

    [Fact]
    public void Resuming_keeps_recorded_findings_so_they_are_not_reported_again_and_a_new_run_starts_empty()
    {
        using var dir = new TempDir();
        DiagnosisLog.Open(dir.Path, resume: false).Add([F(FindingCode.Plateau, "old")]);

        var resumed = DiagnosisLog.Open(dir.Path, resume: true);
        Assert.Empty(resumed.Add([F(FindingCode.Plateau, "again")]));
        Assert.Equal("old", Assert.Single(resumed.Findings).Message);

        var fresh = DiagnosisLog.Open(dir.Path, resume: false);
        Assert.Single(fresh.Add([F(FindingCode.Plateau, "new")]));
        Assert.Equal("new", Assert.Single(DiagnosisLog.Read(Path.Combine(dir.Path, RunFolder.DiagnosisFile))).Message);
    }

    [Fact]
    public void A_damaged_diagnosis_file_is_refused_in_one_line_naming_it()
    {
        using var dir = new TempDir();
        var path = dir.File(RunFolder.DiagnosisFile, "[{\"code\": ");
        var e = Assert.Throws<UserInputException>(() => DiagnosisLog.Read(path));
        Assert.StartsWith(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}

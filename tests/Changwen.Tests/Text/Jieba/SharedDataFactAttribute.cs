namespace Changwen.Tests.Text.Jieba;

/// <summary>A test over <c>../shared/data</c>: skipped, saying so, on a clone without the shared data beside it.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!Directory.Exists(TestPaths.SharedData))
            Skip = $"the shared data folder {TestPaths.SharedData} is absent (real-data checks need ../shared/data beside the repository)";
    }
}

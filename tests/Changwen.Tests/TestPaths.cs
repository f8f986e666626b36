namespace Changwen.Tests;

/// <summary>Where tests find the repository, the bundled sample and the shared real data.</summary>
public static class TestPaths
{
    /// <summary>The repository root: the folder holding Changwen.slnx, found from the test assembly upwards.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The bundled sample corpus (folder per category), written by the project itself.</summary>
    public static string Samples => Path.Combine(RepoRoot, "samples", "thucnews-mini");

    /// <summary><c>../shared/data</c> beside the project root: real public data, read at test time, never copied.</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    public static string Shared(string name) => Path.Combine(SharedData, name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Changwen.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Changwen.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fresh folder under /tmp for one test, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("changwen-test-").FullName;

    public string File(string relative, string? contents = null)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        if (contents is not null) System.IO.File.WriteAllText(full, contents);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

namespace Changwen.Text.Jieba;

/// <summary>
/// Where jieba's data files are: the <c>Resources</c> folder that the build copies beside the application from the
/// jieba.NET package (buildTransitive/Changwen.Core.targets), the same files jieba.NET itself loads.
/// </summary>
internal static class JiebaResources
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Resources");

    /// <summary>The full path of one data file; a missing file is a broken install, not a user error.</summary>
    public static string File(string name)
    {
        var path = Path.Combine(Folder, name);
        if (!System.IO.File.Exists(path))
            throw new InvalidOperationException($"jieba data file missing: {path} (the Changwen.Core build copies it)");
        return path;
    }
}

using Changwen.Tests.Architecture;

namespace Changwen.Bench;

/// <summary>
/// <c>folder-deps [--why] [ASSEMBLY [SOURCE_DIR]]</c>: the library's folder dependency table, measured from the compiled
/// Changwen.Core.dll (the one this program was built with, unless a path is given) and the usings and relative names
/// of src/Changwen (for constants), by the same code as the test <c>Architecture/FolderDependencyTests</c>.
/// <c>--why</c> adds one example reference per pair. Exit 1 on a cycle.
/// </summary>
public static class FolderDeps
{
    public static int Run(string[] args)
    {
        var why = args.Contains("--why");
        var paths = args.Where(a => a != "--why").ToList();
        var assembly = paths.Count > 0 ? paths[0] : typeof(UserInputException).Assembly.Location;
        var sources = paths.Count > 1 ? paths[1] : Path.Combine(RepoRoot(), "src", "Changwen");
        var dependencies = FolderDependencies.Of(assembly, sources);
        Console.WriteLine(dependencies.Table());
        if (why)
        {
            Console.WriteLine();
            foreach (var ((from, to), example) in dependencies.Examples.OrderBy(e => e.Key.From).ThenBy(e => e.Key.To))
                Console.WriteLine($"{from} → {to}: {example}");
        }
        return dependencies.Cycles().Count == 0 ? 0 : 1;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Changwen.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Changwen.slnx not found above " + AppContext.BaseDirectory);
    }
}

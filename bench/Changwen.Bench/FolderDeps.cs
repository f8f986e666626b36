using Changwen.Tests.Architecture;

namespace Changwen.Bench;

/// <summary>
/// <c>folder-deps [--why] [ASSEMBLY]</c>: the library's folder dependency table, measured from the compiled
/// Changwen.Core.dll (the one this program was built with, unless a path is given) by the same code as the test
/// <c>Architecture/FolderDependencyTests</c>. <c>--why</c> adds one example reference per pair. Exit 1 on a cycle.
/// </summary>
public static class FolderDeps
{
    public static int Run(string[] args)
    {
        var why = args.Contains("--why");
        var path = args.FirstOrDefault(a => a != "--why") ?? typeof(UserInputException).Assembly.Location;
        var dependencies = FolderDependencies.Of(path);
        Console.WriteLine(dependencies.Table());
        if (why)
        {
            Console.WriteLine();
            foreach (var ((from, to), example) in dependencies.Examples.OrderBy(e => e.Key.From).ThenBy(e => e.Key.To))
                Console.WriteLine($"{from} → {to}: {example}");
        }
        return dependencies.Cycles().Count == 0 ? 0 : 1;
    }
}

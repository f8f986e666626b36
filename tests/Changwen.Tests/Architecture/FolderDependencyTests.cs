using Xunit.Abstractions;

namespace Changwen.Tests.Architecture;

/// <summary>
/// The library's folders, measured from the compiled assembly (<see cref="FolderDependencies"/>). The same table:
/// <c>dotnet run -c Release --project bench/Changwen.Bench -- folder-deps</c>.
/// </summary>
public class FolderDependencyTests(ITestOutputHelper output)
{
    static readonly FolderDependencies Library = FolderDependencies.Of(typeof(UserInputException).Assembly.Location);

    [Fact]
    public void Sees_references_through_signatures_bodies_and_relative_names()
    {
        // Text's encoder hands Data's EncodedDataset on; the reader of this test can check each by opening the file.
        Assert.Contains("Data", Library.References["Text"]);
        Assert.Contains("IO", Library.References["Data"]);
        Assert.DoesNotContain("Serving", Library.Folders); // another assembly
        Assert.True(Library.Examples.ContainsKey(("Text", "Data")));
    }

    [Fact]
    public void Prints_the_table()
    {
        var table = Library.Table();
        output.WriteLine(table);
        Assert.StartsWith("| folder | references | referenced by |", table);
    }
}

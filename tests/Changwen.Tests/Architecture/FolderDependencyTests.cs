using Xunit.Abstractions;

namespace Changwen.Tests.Architecture;

/// <summary>
/// The library's folders, measured from the compiled assembly (<see cref="FolderDependencies"/>). The same table:
/// <c>dotnet run -c Release --project bench/Changwen.Bench -- folder-deps</c>.
/// </summary>
public class FolderDependencyTests(ITestOutputHelper output)
{
    static readonly FolderDependencies Library = FolderDependencies.Of(typeof(UserInputException).Assembly.Location,
        Path.Combine(TestPaths.RepoRoot, "src", "Changwen"));

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
    public void Sees_a_constant_of_another_folder_through_the_source()
    {
        // A constant leaves no reference in the IL; its folder's using (or a relative name) does.
        using var dir = new TempDir();
        dir.File(Path.Combine("Data", "Uses.cs"), "using Changwen.IO;\nnamespace Changwen.Data;\nclass Uses { const string N = Models.ModelSpecs.Name; }\n");
        var withSource = FolderDependencies.Of(typeof(UserInputException).Assembly.Location, dir.Path);
        Assert.Contains("Models", withSource.References["Data"]);
        Assert.DoesNotContain("Models", FolderDependencies.Of(typeof(UserInputException).Assembly.Location).References["Data"]);
    }

    [Fact]
    public void Library_folders_reference_each_other_in_one_direction()
    {
        output.WriteLine(Library.Table());
        Assert.Empty(Library.Cycles().Select(c => string.Join(" ↔ ", c)));
        Assert.NotNull(Library.Layers());
    }

    [Fact]
    public void The_run_folder_owner_knows_no_stage_of_the_pipeline()
    {
        // Runs/ names every file of a run folder and reads and writes its records; training, diagnosis, the bundle and
        // the CLI ask it, so it must not need any of them.
        Assert.Equal(["(root)", "IO"], Library.References["Runs"].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Prints_the_table()
    {
        var table = Library.Table();
        output.WriteLine(table);
        Assert.StartsWith("| folder | references | referenced by |", table);
    }
}

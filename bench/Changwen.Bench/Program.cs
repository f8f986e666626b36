// Benchmarks: `dotnet run -c Release --project bench/Changwen.Bench -- <name>`. Figures go in docs/benchmarks.md.
Console.Error.WriteLine("usage: Changwen.Bench <benchmark>");
return 2;

// Benchmarks: `dotnet run -c Release --project bench/Changwen.Bench -- <name>`. Figures go in docs/benchmarks.md.
switch (args.FirstOrDefault())
{
    case "pooling": return PoolingSanity.Run(args[1..]);
    default:
        Console.Error.WriteLine("usage: Changwen.Bench pooling [corpus-folder] [epochs] [pool ...]");
        return 2;
}

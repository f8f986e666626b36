using System.Globalization;

namespace Changwen.Bundle;

/// <summary>
/// One of <see cref="Count"/> parts of an input file, <see cref="Index"/> counted from 0 (as a Kubernetes Indexed Job
/// numbers its pods in <c>JOB_COMPLETION_INDEX</c>): N runs with indexes 0 to N-1 together score every line once.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The environment variable <c>--shard env/N</c> takes the index from: the one a Kubernetes Indexed Job sets.</summary>
    public const string IndexVariable = "JOB_COMPLETION_INDEX";

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>
    /// <c>i/N</c> (0 ≤ i &lt; N) or <c>env/N</c>, where i is read from <see cref="IndexVariable"/> through
    /// <paramref name="environment"/>. Anything else is the user's mistake, said in one line.
    /// </summary>
    public static Shard Parse(string text, Func<string, string?> environment)
    {
        const string Usage = "give INDEX/COUNT with the index counted from 0, e.g. --shard 0/3, 1/3, 2/3, or --shard env/3 to take the index from " + IndexVariable;
        var parts = text.Split('/');
        if (parts.Length != 2 || !TryCount(parts[1], out var count))
            throw new UserInputException($"--shard {text}: not a shard; {Usage}.");
        var indexText = parts[0].Trim();
        if (indexText == "env")
        {
            indexText = environment(IndexVariable)?.Trim() ?? throw new UserInputException(
                $"--shard {text}: the environment variable {IndexVariable} is not set (Kubernetes sets it in the pods of an Indexed Job); outside such a Job, {Usage}.");
            if (!TryIndex(indexText, out var fromEnvironment) || fromEnvironment >= count)
                throw new UserInputException($"--shard {text}: {IndexVariable}={indexText} is not an index from 0 to {count - 1}; make the Job's completions equal the shard count {count}.");
            return new Shard(fromEnvironment, count);
        }
        if (!TryIndex(indexText, out var index))
            throw new UserInputException($"--shard {text}: not a shard; {Usage}.");
        if (index >= count)
            throw new UserInputException($"--shard {text}: the index counts from 0, so with {count} shard{(count == 1 ? "" : "s")} it must be 0 to {count - 1}.");
        return new Shard(index, count);
    }

    private static bool TryCount(string s, out int count) =>
        int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= 1;

    private static bool TryIndex(string s, out int index) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out index);
}

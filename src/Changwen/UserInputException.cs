namespace Changwen;

/// <summary>
/// A failure the user caused and can fix: a bad file, a bad flag, a bad request. Its message is one line that names
/// the file (and line) and says what to do. The CLI prints it without a stack trace; the server answers 4xx.
/// Every other exception is a bug.
/// </summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }
    public UserInputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>"path:line: problem. remedy" (line omitted when not known).</summary>
    public static UserInputException At(string path, long? line, string problem) =>
        new(line is null ? $"{path}: {problem}" : $"{path}:{line}: {problem}");
}

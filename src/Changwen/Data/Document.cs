namespace Changwen.Data;

/// <summary>The three parts of a corpus. A corpus without its own splits gets a stratified, seeded one.</summary>
public enum Split { Train, Val, Test }

/// <summary>One labelled document as read from disk. <see cref="Source"/> names where it came from ("path" or "path:line").</summary>
public sealed record Document(string Label, string Text, string Source);

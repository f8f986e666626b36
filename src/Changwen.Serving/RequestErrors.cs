using System.Text.Json;
using System.Text.RegularExpressions;

namespace Changwen.Serving;

/// <summary>
/// Error messages for a request body that does not deserialize, in the request's own terms: System.Text.Json names
/// .NET types and members (<c>System.Collections.Generic.IReadOnlyList`1[...]</c>), which mean nothing to a client.
/// </summary>
public static partial class RequestErrors
{
    public const string Shape = "expected {\"texts\": [\"...\"], \"top_k\": 1, \"model\": \"name\"} (top_k and model optional)";

    public static string Describe(JsonException e)
    {
        var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at {e.Path}";
        var position = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        var message = e.Message;
        if (UnmappedProperty().Match(message) is { Success: true } unmapped)
            return $"unknown field '{unmapped.Groups[1].Value}'; {Shape}";
        if (message.Contains("could not be converted", StringComparison.Ordinal))
            return $"wrong type{where}{position}; {Shape}";
        return WithoutTypeNames(message.Split('\n')[0].Trim()) + $"; {Shape}";
    }

    /// <summary>Replaces what looks like a .NET type name (Namespace.Type, generic arity, type arguments).</summary>
    public static string WithoutTypeNames(string message) =>
        TypeName().Replace(message, "the request").Trim();

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"'?(System|Changwen|Microsoft)\.[\w.`]+(\[[^\]]*\])*'?")]
    private static partial Regex TypeName();
}

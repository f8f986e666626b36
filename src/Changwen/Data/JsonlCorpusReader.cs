using System.Text.Json;

namespace Changwen.Data;

/// <summary>JSON lines, one object per line; the text and label fields are the ones named in the options, else content/text and category/label.</summary>
internal sealed class JsonlCorpusReader(CorpusFiles files, CorpusOptions options) : LineCorpusReader(files)
{
    protected override (string Label, string Text) Parse(string line, string full, long lineNo)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                throw UserInputException.At(full, lineNo, "is not a JSON object. Write one {\"label\": ..., \"text\": ...} object per line");
            var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            var textName = PickColumn(names, options.TextColumn, TextColumnDefaults, "text", full, lineNo);
            var labelName = PickColumn(names, options.LabelColumn, LabelColumnDefaults, "label", full, lineNo);
            var label = json.RootElement.GetProperty(labelName);
            var text = json.RootElement.GetProperty(textName);
            if (text.ValueKind != JsonValueKind.String)
                throw UserInputException.At(full, lineNo, $"field '{textName}' is not a string. Store the text as a JSON string");
            var labelText = label.ValueKind switch
            {
                JsonValueKind.String => label.GetString()!,
                JsonValueKind.Number => label.GetRawText(),
                _ => throw UserInputException.At(full, lineNo, $"field '{labelName}' is not a string or number. Store the label as a string"),
            };
            return (RequireLabel(labelText, full, lineNo), text.GetString()!);
        }
        catch (JsonException e)
        {
            throw UserInputException.At(full, lineNo, $"is not valid JSON ({e.Message.Split('\n')[0]}). Write one JSON object per line");
        }
    }
}

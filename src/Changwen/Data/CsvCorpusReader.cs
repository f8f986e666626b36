using System.Text;
using CsvHelper;

namespace Changwen.Data;

/// <summary>
/// CSV with a header row (RFC 4180: fields may be quoted and hold commas and line breaks); the text and label
/// columns are the ones named in the options, else content/text and category/label.
/// </summary>
internal sealed class CsvCorpusReader(CorpusFiles files, CorpusOptions options) : CorpusReader(files)
{
    public override IEnumerable<Document> Read(CorpusPart part, Func<string, bool>? wanted)
    {
        var file = part.Relative;
        var full = Files.Full(file);
        var csvOptions = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            Mode = CsvMode.Rfc4180,
            MalformedData = CsvMalformedDataHandling.Throw, // a stray quote would silently merge documents
            TrackLineNumbers = true,
        };
        using var csv = CsvReader.Create(Files.OpenText(file), csvOptions, leaveOpen: false);
        int textIndex, labelIndex;
        try
        {
            var header = csv.Headers.Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
            if (header.Count == 0 || header.All(h => h.Length == 0))
                throw UserInputException.At(full, null, "is empty, so the corpus has no documents. Give a CSV file with a header row and one document per row");
            textIndex = header.IndexOf(PickColumn(header, options.TextColumn, TextColumnDefaults, "text", full, 1));
            labelIndex = header.IndexOf(PickColumn(header, options.LabelColumn, LabelColumnDefaults, "label", full, 1));
        }
        catch (DecoderFallbackException)
        {
            throw Files.UndecodableLine(file, 1);
        }
        catch (CsvFormatException e)
        {
            throw UserInputException.At(full, e.LineNumber > 0 ? e.LineNumber : 1, $"is not valid CSV ({e.Message.Split('\n')[0]}). Fix the header row");
        }
        while (true)
        {
            long line;
            string label, text;
            try
            {
                if (!csv.Read()) yield break;
                line = csv.LineNumber;
                if (csv.FieldCount <= Math.Max(textIndex, labelIndex))
                    throw UserInputException.At(full, line, $"has {csv.FieldCount} fields, fewer than the header. Quote fields that hold commas or line breaks");
                label = csv.GetString(labelIndex) ?? "";
                text = csv.GetString(textIndex) ?? "";
            }
            catch (DecoderFallbackException)
            {
                throw Files.UndecodableLine(file, csv.LineNumber + 1);
            }
            catch (CsvFormatException e)
            {
                throw UserInputException.At(full, e.LineNumber > 0 ? e.LineNumber : null,
                    $"is not valid CSV ({e.Message.Split('\n')[0]}). Quote the whole field and double the quotes inside it (RFC 4180)");
            }
            // The encoding probe looks for NULs only in the first bytes of the file; the rest is checked field by field.
            if (text.Contains('\0') || label.Contains('\0'))
                throw UserInputException.At(full, line, "contains NUL bytes, so it is a binary or UTF-16 file, not text. Convert it to UTF-8");
            yield return new Document(RequireLabel(label, full, line), text, DocumentSource.OfLine(file, line));
        }
    }
}

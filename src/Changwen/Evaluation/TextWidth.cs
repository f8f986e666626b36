using System.Text;
using Wcwidth;

namespace Changwen.Evaluation;

/// <summary>
/// Terminal display width of text: CJK characters take two columns, so padding by <c>string.Length</c> misaligns
/// tables whose class names are Chinese.
/// </summary>
public static class TextWidth
{
    public static int Of(string text)
    {
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
            width += Math.Max(0, UnicodeCalculator.GetWidth(rune)); // control characters (-1) take no column
        return width;
    }

    public static string PadLeft(string text, int width) => new string(' ', Math.Max(0, width - Of(text))) + text;

    public static string PadRight(string text, int width) => text + new string(' ', Math.Max(0, width - Of(text)));
}

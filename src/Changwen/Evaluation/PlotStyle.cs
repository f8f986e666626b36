using Changwen.IO;
using ScottPlot;
using SkiaSharp;

namespace Changwen.Evaluation;

/// <summary>What the plots share: a font that can draw Chinese, and atomic PNG writing.</summary>
internal static class PlotStyle
{
    /// <summary>
    /// An installed font with glyphs for every character of <paramref name="texts"/>; failing that, the one missing
    /// fewest glyphs, or ScottPlot's default when no font is installed (Chinese then shows as boxes, but the PNG is
    /// still written). Among fonts that cover the text, those ScottPlot places well come first, then sans-serif
    /// ("Sans", or "Hei" = 黑体), non-monospaced and, for Chinese text, Simplified Chinese faces. On Debian the
    /// preferred CJK font is <c>fonts-wqy-microhei</c>.
    /// </summary>
    /// <remarks>
    /// ScottPlot's <c>Fonts.Detect</c> relies on <c>SKFontManager.MatchCharacter</c>, which the fontconfig-free
    /// SkiaSharp build that ScottPlot pulls in on Linux does not implement (it returns null for every character), so
    /// the installed families are checked one by one instead.
    /// </remarks>
    public static string FontFor(IEnumerable<string> texts)
    {
        var codePoints = Fonts.GetStandaloneCodePoints(string.Concat(texts)).Where(c => c > ' ').Distinct().ToList();
        var hasWideCharacters = codePoints.Any(c => Wcwidth.UnicodeCalculator.GetWidth(c) == 2);
        var best = SKFontManager.Default.FontFamilies
            .Select((family, order) => (family, order, missing: Fonts.CountMissingGlyphs(family, codePoints)))
            .Where(f => f.missing < int.MaxValue) // int.MaxValue: the family could not be loaded
            .OrderBy(f => f.missing)
            .ThenBy(f => ScottPlotClipsText(f.family) ? 1 : 0)
            .ThenBy(f => f.family.Contains("Sans", StringComparison.OrdinalIgnoreCase) || f.family.Contains("Hei", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(f => f.family.Contains("Mono", StringComparison.OrdinalIgnoreCase) ? 1 : 0)
            .ThenBy(f => hasWideCharacters && !IsSimplifiedChinese(f.family) ? 1 : 0)
            .ThenBy(f => f.order)
            .Select(f => f.family)
            .FirstOrDefault();
        return best ?? Fonts.Default;
    }

    /// <summary>
    /// ScottPlot puts a label's baseline above the bottom of its box by the font's bounding-box bottom, not its
    /// descent. Fonts whose bounding box reaches far below the descent (Noto Sans CJK: 1.05 em against 0.29 em)
    /// get the tops of their labels cut off; fonts like DejaVu Sans (0.46 against 0.24) or WenQuanYi Micro Hei
    /// (0.27 against 0.24) are drawn whole.
    /// </summary>
    private static bool ScottPlotClipsText(string family)
    {
        using var typeface = SKTypeface.FromFamilyName(family);
        using var font = new SKFont(typeface, 100);
        font.GetFontMetrics(out var metrics);
        return metrics.Bottom > 2.5 * metrics.Descent;
    }

    // Han characters are drawn differently in Japanese, Korean and Traditional faces of the same family.
    private static bool IsSimplifiedChinese(string family) =>
        family.Split(' ').Any(word => word is "SC" or "CN" or "GB" or "Hans") || family.StartsWith("WenQuanYi", StringComparison.Ordinal);

    /// <summary>True when <paramref name="fontName"/> is installed and has a glyph for every character of <paramref name="text"/>.</summary>
    public static bool CanDraw(string fontName, string text) =>
        Fonts.CountMissingGlyphs(fontName, Fonts.GetStandaloneCodePoints(text)) == 0;

    /// <summary>
    /// Sets the font on this plot's title, axis labels, tick labels and legend. Unlike <c>plot.Font.Set</c> this does
    /// not change ScottPlot's process-wide default font.
    /// </summary>
    public static void UseFont(Plot plot, string fontName)
    {
        plot.Axes.Title.Label.FontName = fontName;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = fontName;
            axis.TickLabelStyle.FontName = fontName;
        }
        plot.Legend.FontName = fontName;
    }

    public static void SavePng(Plot plot, string pngPath, int width, int height) =>
        AtomicFile.WriteAllBytes(pngPath, plot.GetImageBytes(width, height, ImageFormat.Png));

    public static void SavePng(Multiplot multiplot, string pngPath, int width, int height) =>
        AtomicFile.WriteAllBytes(pngPath, multiplot.Render(width, height).GetImageBytes(ImageFormat.Png));
}

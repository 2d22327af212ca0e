using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>
/// A typeface for chart text. SkiaSharp's no-dependency native build has no font lookup, so a
/// common system font is loaded by path; without one, text falls back to Skia's default typeface.
/// </summary>
public static class ChartFonts
{
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        @"C:\Windows\Fonts\arial.ttf",
    ];

    private static readonly Lazy<SKTypeface> Loaded = new(Load);

    public static SKTypeface Typeface => Loaded.Value;

    private static SKTypeface Load()
    {
        foreach (var path in Candidates)
        {
            if (File.Exists(path) && SKTypeface.FromFile(path) is { } typeface) return typeface;
        }
        return SKTypeface.Default;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Diffusion.Server.Generation;

/// <summary>An image size as the API spells it: "WIDTHxHEIGHT", e.g. "64x64".</summary>
public readonly record struct ImageSize(int Width, int Height)
{
    public const int MaxSide = 8192;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");

    public static bool TryParse([NotNullWhen(true)] string? text, out ImageSize size)
    {
        size = default;
        if (string.IsNullOrEmpty(text)) return false;
        var x = text.IndexOf('x');
        if (x <= 0 || x == text.Length - 1) return false;
        if (!int.TryParse(text.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out var w)) return false;
        if (!int.TryParse(text.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var h)) return false;
        if (w is < 1 or > MaxSide || h is < 1 or > MaxSide) return false;
        size = new ImageSize(w, h);
        return true;
    }

    public static ImageSize Parse(string text) =>
        TryParse(text, out var size) ? size : throw new FormatException($"'{text}' is not a size like '64x64'.");
}

using SkiaSharp;

namespace Diffusion.Cache.Calibration;

/// <summary>One line of a chart: points (x, y), colour, dashed or solid.</summary>
public sealed record ChartSeries(string Name, SKColor Colour, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

/// <summary>A small line-chart panel drawn with SkiaSharp: axes with ticks, a title, series and a legend.</summary>
public sealed class LineChart
{
    private static readonly string[] FontPaths =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ];

    private static readonly Lazy<SKTypeface> Typeface = new(() =>
        FontPaths.Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null) ?? SKTypeface.Default);

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public required (double Min, double Max) XRange { get; init; }
    public required (double Min, double Max) YRange { get; init; }
    public required IReadOnlyList<ChartSeries> Series { get; init; }

    /// <summary>Draws the panel into <paramref name="area"/> of <paramref name="canvas"/>.</summary>
    public void Draw(SKCanvas canvas, SKRect area)
    {
        using var font = new SKFont(Typeface.Value, 13);
        using var titleFont = new SKFont(Typeface.Value, 15) { Embolden = true };
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1, IsAntialias = true };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };

        var plot = new SKRect(area.Left + 60, area.Top + 30, area.Right - 150, area.Bottom - 45);
        canvas.DrawText(Title, area.Left + 60, area.Top + 18, SKTextAlign.Left, titleFont, ink);
        float X(double x) => plot.Left + (float)((x - XRange.Min) / (XRange.Max - XRange.Min)) * plot.Width;
        float Y(double y) => plot.Bottom - (float)((y - YRange.Min) / (YRange.Max - YRange.Min)) * plot.Height;

        foreach (var (value, vertical) in Ticks(XRange).Select(v => (v, true)).Concat(Ticks(YRange).Select(v => (v, false))))
        {
            if (vertical)
            {
                canvas.DrawLine(X(value), plot.Top, X(value), plot.Bottom, grid);
                canvas.DrawText(value.ToString("0.##"), X(value), plot.Bottom + 16, SKTextAlign.Center, font, ink);
            }
            else
            {
                canvas.DrawLine(plot.Left, Y(value), plot.Right, Y(value), grid);
                canvas.DrawText(value.ToString("0.##"), plot.Left - 6, Y(value) + 4, SKTextAlign.Right, font, ink);
            }
        }
        canvas.DrawRect(plot, axis);
        canvas.DrawText(XLabel, plot.MidX, plot.Bottom + 34, SKTextAlign.Center, font, ink);
        canvas.Save();
        canvas.RotateDegrees(-90, area.Left + 14, plot.MidY);
        canvas.DrawText(YLabel, area.Left + 14, plot.MidY + 4, SKTextAlign.Center, font, ink);
        canvas.Restore();

        canvas.Save();
        canvas.ClipRect(new SKRect(plot.Left - 4, plot.Top - 4, plot.Right + 4, plot.Bottom + 4));
        foreach (var series in Series)
        {
            using var line = new SKPaint { Color = series.Colour, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var dot = new SKPaint { Color = series.Colour, IsAntialias = true };
            if (series.Dashed)
            {
                line.PathEffect = SKPathEffect.CreateDash([6, 4], 0);
            }
            var points = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).OrderBy(p => p.X).ToArray();
            for (var i = 1; i < points.Length; i++)
            {
                canvas.DrawLine(X(points[i - 1].X), Y(points[i - 1].Y), X(points[i].X), Y(points[i].Y), line);
            }
            foreach (var p in points)
            {
                canvas.DrawCircle(X(p.X), Y(p.Y), 3, dot);
            }
        }
        canvas.Restore();

        var legendY = plot.Top + 8;
        foreach (var series in Series)
        {
            using var swatch = new SKPaint { Color = series.Colour, StrokeWidth = 3, IsAntialias = true };
            canvas.DrawLine(plot.Right + 12, legendY, plot.Right + 32, legendY, swatch);
            canvas.DrawText(series.Name, plot.Right + 38, legendY + 4, SKTextAlign.Left, font, ink);
            legendY += 18;
        }
    }

    private static IEnumerable<double> Ticks((double Min, double Max) range)
    {
        // about five ticks at a "nice" step: 1, 2 or 5 times a power of ten
        var rough = (range.Max - range.Min) / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= rough);
        for (var v = Math.Ceiling(range.Min / step - 1e-9) * step; v <= range.Max + 1e-9; v += step)
        {
            var rounded = Math.Round(v, 6);
            yield return rounded == 0 ? 0 : rounded; // no "-0"
        }
    }
}

using System.Globalization;
using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>
/// A small line chart drawn with SkiaSharp and encoded as PNG: title, axes with round ticks and
/// grid, one polyline per series, a legend. Enough for the replay's plots, no more.
/// </summary>
public sealed class LineChart
{
    private const float Left = 78, Right = 24, Top = 48, Bottom = 62;

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public required IReadOnlyList<ChartSeries> Series { get; init; }

    /// <summary>Fixed y range (e.g. 0..1 for fractions); null fits the data.</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>Put the legend where the lines are not: a CDF's lower right corner is empty.</summary>
    public bool LegendAtBottom { get; init; }

    /// <summary>Formats y tick labels; plain numbers by default.</summary>
    public Func<double, string> YFormat { get; init; } = v => v.ToString("0.###", CultureInfo.InvariantCulture);

    public byte[] RenderPng(int width = 960, int height = 560)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
                            ?? throw new InvalidOperationException($"cannot create a {width}x{height} drawing surface");
        Draw(surface.Canvas, width, height);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
                         ?? throw new InvalidOperationException("PNG encoding of the chart failed");
        return data.ToArray();
    }

    private void Draw(SKCanvas canvas, int width, int height)
    {
        canvas.Clear(SKColors.White);
        using var titleFont = new SKFont(ChartFonts.Typeface, 18);
        using var font = new SKFont(ChartFonts.Typeface, 13);
        using var text = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xE4, 0xE4, 0xE4), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = new SKColor(0x40, 0x40, 0x40), StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        canvas.DrawText(Title, width / 2f, 30, SKTextAlign.Center, titleFont, text);
        var plot = new SKRect(Left, Top, width - Right, height - Bottom);

        var points = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (points.Count == 0)
        {
            canvas.DrawRect(plot, axis);
            canvas.DrawText("no data", plot.MidX, plot.MidY, SKTextAlign.Center, font, text);
            return;
        }

        var (xMin, xMax, xTicks) = AxisTicks.Cover(Math.Min(0, points.Min(p => p.X)), points.Max(p => p.X));
        var (yMin, yMax, yTicks) = YRange is { } range
            ? AxisTicks.Cover(range.Min, range.Max)
            : AxisTicks.Cover(Math.Min(0, points.Min(p => p.Y)), points.Max(p => p.Y));
        float X(double x) => plot.Left + (float)((x - xMin) / (xMax - xMin)) * plot.Width;
        float Y(double y) => plot.Bottom - (float)((y - yMin) / (yMax - yMin)) * plot.Height;

        foreach (var tick in xTicks)
        {
            canvas.DrawLine(X(tick), plot.Top, X(tick), plot.Bottom, grid);
            canvas.DrawText(tick.ToString("0.###", CultureInfo.InvariantCulture), X(tick), plot.Bottom + 18, SKTextAlign.Center, font, text);
        }
        foreach (var tick in yTicks)
        {
            canvas.DrawLine(plot.Left, Y(tick), plot.Right, Y(tick), grid);
            canvas.DrawText(YFormat(tick), plot.Left - 8, Y(tick) + 4, SKTextAlign.Right, font, text);
        }
        canvas.DrawRect(plot, axis);
        canvas.DrawText(XLabel, plot.MidX, height - 18, SKTextAlign.Center, font, text);
        canvas.Save();
        canvas.RotateDegrees(-90, 20, plot.MidY);
        canvas.DrawText(YLabel, 20, plot.MidY, SKTextAlign.Center, font, text);
        canvas.Restore();

        canvas.Save();
        // A little beyond the frame, so a line along an axis (a hit rate of 0) stays visible.
        canvas.ClipRect(SKRect.Inflate(plot, 3, 3));
        foreach (var series in Series)
        {
            using var line = new SKPaint { Color = series.Color, StrokeWidth = 2.2f, Style = SKPaintStyle.Stroke, IsAntialias = true };
            var polyline = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))
                .Select(p => new SKPoint(X(p.X), Y(p.Y))).ToArray();
            if (polyline.Length == 1)
            {
                // A single point has no line to draw: show it as a dot.
                using var dot = new SKPaint { Color = series.Color, IsAntialias = true };
                canvas.DrawCircle(polyline[0], 3.5f, dot);
            }
            canvas.DrawPoints(SKPointMode.Polygon, polyline, line);
        }
        canvas.Restore();

        DrawLegend(canvas, plot, font, text);
    }

    private void DrawLegend(SKCanvas canvas, SKRect plot, SKFont font, SKPaint text)
    {
        var widest = Series.Count == 0 ? 0 : Series.Max(s => font.MeasureText(s.Name));
        var height = 6 + 20 * Series.Count;
        var top = LegendAtBottom ? plot.Bottom - 10 - height : plot.Top + 10;
        var box = new SKRect(plot.Right - widest - 52, top, plot.Right - 10, top + height);
        using var background = new SKPaint { Color = new SKColor(255, 255, 255, 230) };
        using var border = new SKPaint { Color = new SKColor(0xB0, 0xB0, 0xB0), Style = SKPaintStyle.Stroke };
        canvas.DrawRect(box, background);
        canvas.DrawRect(box, border);
        for (var i = 0; i < Series.Count; i++)
        {
            var y = box.Top + 16 + 20 * i;
            using var swatch = new SKPaint { Color = Series[i].Color, StrokeWidth = 3, IsAntialias = true };
            canvas.DrawLine(box.Left + 8, y - 4, box.Left + 30, y - 4, swatch);
            canvas.DrawText(Series[i].Name, box.Left + 36, y, SKTextAlign.Left, font, text);
        }
    }
}

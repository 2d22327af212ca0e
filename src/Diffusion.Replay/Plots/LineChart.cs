using System.Globalization;
using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>Where a chart's legend goes: inside the plot in a corner the lines leave free, or beside it.</summary>
public enum LegendPlacement
{
    TopRight,
    BottomRight,
    Beside,
}

/// <summary>
/// A small line chart drawn with SkiaSharp: title, axes with round ticks and a grid, one polyline per
/// series, a legend. Draws into a panel of a larger canvas (<see cref="ChartSheet"/>) or alone as a PNG.
/// </summary>
public sealed class LineChart
{
    private const float Left = 72, Right = 20, Top = 40, Bottom = 52, LegendWidth = 140;

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public required IReadOnlyList<ChartSeries> Series { get; init; }

    /// <summary>Fixed x range; null covers the data (and 0) with round ticks.</summary>
    public (double Min, double Max)? XRange { get; init; }

    /// <summary>Fixed y range (e.g. 0..1 for fractions); null covers the data (and 0) with round ticks.</summary>
    public (double Min, double Max)? YRange { get; init; }

    public LegendPlacement Legend { get; init; } = LegendPlacement.TopRight;

    /// <summary>Formats y tick labels; plain numbers by default.</summary>
    public Func<double, string> YFormat { get; init; } = v => v.ToString("0.###", CultureInfo.InvariantCulture);

    public byte[] RenderPng(int width = 960, int height = 560) => ChartSheet.Render(1, width, height, this);

    /// <summary>Draws the chart into <paramref name="area"/> of <paramref name="canvas"/>.</summary>
    public void Draw(SKCanvas canvas, SKRect area)
    {
        using var titleFont = new SKFont(ChartFonts.Typeface, 16);
        using var font = new SKFont(ChartFonts.Typeface, 13);
        using var text = new SKPaint { Color = new SKColor(0x20, 0x20, 0x20), IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xE4, 0xE4, 0xE4), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = new SKColor(0x40, 0x40, 0x40), StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        canvas.DrawText(Title, area.MidX, area.Top + 26, SKTextAlign.Center, titleFont, text);
        var plot = new SKRect(area.Left + Left, area.Top + Top, area.Right - Right - (Legend == LegendPlacement.Beside ? LegendWidth : 0),
            area.Bottom - Bottom);

        var points = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (points.Count == 0)
        {
            canvas.DrawRect(plot, axis);
            canvas.DrawText("no data", plot.MidX, plot.MidY, SKTextAlign.Center, font, text);
            return;
        }

        var (xMin, xMax, xTicks) = Axis(XRange, points.Select(p => p.X));
        var (yMin, yMax, yTicks) = Axis(YRange, points.Select(p => p.Y));
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
        canvas.DrawText(XLabel, plot.MidX, area.Bottom - 12, SKTextAlign.Center, font, text);
        canvas.Save();
        canvas.RotateDegrees(-90, area.Left + 18, plot.MidY);
        canvas.DrawText(YLabel, area.Left + 18, plot.MidY, SKTextAlign.Center, font, text);
        canvas.Restore();

        canvas.Save();
        // a little beyond the frame, so a line along an axis (a hit rate of 0) stays visible
        canvas.ClipRect(SKRect.Inflate(plot, 4, 4));
        foreach (var series in Series)
        {
            using var line = new SKPaint { Color = series.Colour, StrokeWidth = 2.2f, Style = SKPaintStyle.Stroke, IsAntialias = true };
            if (series.Dashed)
            {
                line.PathEffect = SKPathEffect.CreateDash([6, 4], 0);
            }
            var polyline = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => new SKPoint(X(p.X), Y(p.Y))).ToArray();
            canvas.DrawPoints(SKPointMode.Polygon, polyline, line);
            if (series.Markers || polyline.Length == 1)
            {
                using var dot = new SKPaint { Color = series.Colour, IsAntialias = true };
                foreach (var p in polyline)
                {
                    canvas.DrawCircle(p, 3.5f, dot);
                }
            }
        }
        canvas.Restore();

        DrawLegend(canvas, plot, font, text);
    }

    private static (double Min, double Max, IReadOnlyList<double> Ticks) Axis((double Min, double Max)? fixedRange, IEnumerable<double> values)
    {
        if (fixedRange is { } range)
        {
            var step = AxisTicks.NiceStep(range.Max - range.Min);
            var ticks = new List<double>();
            for (var v = Math.Ceiling(range.Min / step - 1e-9) * step; v <= range.Max + step * 1e-9; v += step)
            {
                var rounded = Math.Round(v, 10);
                ticks.Add(rounded == 0 ? 0 : rounded); // no "-0"
            }
            return (range.Min, range.Max, ticks);
        }
        var list = values.ToList();
        return AxisTicks.Cover(Math.Min(0, list.Min()), list.Max());
    }

    private void DrawLegend(SKCanvas canvas, SKRect plot, SKFont font, SKPaint text)
    {
        var widest = Series.Count == 0 ? 0 : Series.Max(s => font.MeasureText(s.Name));
        var height = 6 + 20 * Series.Count;
        var box = Legend switch
        {
            LegendPlacement.Beside => new SKRect(plot.Right + 8, plot.Top, plot.Right + 8 + widest + 46, plot.Top + height),
            LegendPlacement.BottomRight => new SKRect(plot.Right - widest - 52, plot.Bottom - 10 - height, plot.Right - 10, plot.Bottom - 10),
            _ => new SKRect(plot.Right - widest - 52, plot.Top + 10, plot.Right - 10, plot.Top + 10 + height),
        };
        using var background = new SKPaint { Color = new SKColor(255, 255, 255, 230) };
        using var border = new SKPaint { Color = new SKColor(0xB0, 0xB0, 0xB0), Style = SKPaintStyle.Stroke };
        canvas.DrawRect(box, background);
        canvas.DrawRect(box, border);
        for (var i = 0; i < Series.Count; i++)
        {
            var y = box.Top + 16 + 20 * i;
            using var swatch = new SKPaint { Color = Series[i].Colour, StrokeWidth = 3, IsAntialias = true };
            if (Series[i].Dashed)
            {
                swatch.PathEffect = SKPathEffect.CreateDash([5, 3], 0);
            }
            canvas.DrawLine(box.Left + 8, y - 4, box.Left + 30, y - 4, swatch);
            canvas.DrawText(Series[i].Name, box.Left + 36, y, SKTextAlign.Left, font, text);
        }
    }
}

using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>Charts laid out as equal panels, row by row, on one white PNG.</summary>
public static class ChartSheet
{
    public static byte[] Render(int columns, int panelWidth, int panelHeight, params IReadOnlyList<LineChart> charts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        var rows = Math.Max(1, (charts.Count + columns - 1) / columns);
        var info = new SKImageInfo(Math.Min(columns, Math.Max(1, charts.Count)) * panelWidth, rows * panelHeight, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException($"cannot create a {info.Width}x{info.Height} drawing surface");
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < charts.Count; i++)
        {
            var (row, column) = (i / columns, i % columns);
            charts[i].Draw(surface.Canvas, new SKRect(column * panelWidth, row * panelHeight, (column + 1) * panelWidth, (row + 1) * panelHeight));
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the chart.");
        return data.ToArray();
    }
}

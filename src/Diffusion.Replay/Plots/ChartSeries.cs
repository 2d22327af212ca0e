using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>One line of a chart: points in data units, drawn in the given order.</summary>
/// <param name="Markers">A dot at every point (for a few measured points; a lone point always gets one).</param>
public sealed record ChartSeries(string Name, SKColor Colour, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, bool Markers = false);

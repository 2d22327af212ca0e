using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>One line of a chart; <paramref name="Points"/> in data units, drawn in the given order.</summary>
public sealed record ChartSeries(string Name, SKColor Color, IReadOnlyList<ChartPoint> Points);

public readonly record struct ChartPoint(double X, double Y);

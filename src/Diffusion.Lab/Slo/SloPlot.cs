using Diffusion.Replay.Plots;
using SkiaSharp;

namespace Diffusion.Lab.Slo;

/// <summary>The sweep's figure: interactive SLO attainment against load, one line per policy.</summary>
public static class SloPlot
{
    private static readonly SKColor[] Colours = [SKColors.Gray, SKColors.SteelBlue, SKColors.DarkOrange, SKColors.SeaGreen, SKColors.Crimson];

    public static byte[] Render(SloBenchReport report)
    {
        var policies = report.Points.Select(p => p.Policy).Distinct().ToArray();
        var series = policies.Select((policy, i) => new ChartSeries(policy, Colours[i % Colours.Length],
            report.Points.Where(p => p.Policy == policy).OrderBy(p => p.Load).Select(p => (p.Load, p.SloAttainment)).ToArray(),
            Dashed: policy.EndsWith("fcfs", StringComparison.Ordinal), Markers: true)).ToArray();
        return new LineChart
        {
            Title = $"Interactive SLO attainment by policy ({report.Device}, {report.Steps} steps)",
            XLabel = "load (× capacity)",
            YLabel = "interactive requests within their due time",
            Series = series,
            YRange = (0, 1),
            Legend = LegendPlacement.BottomRight,
        }.RenderPng();
    }
}

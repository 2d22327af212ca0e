using Diffusion.Replay.Plots;
using SkiaSharp;

namespace Diffusion.Lab.Evaluation.AdaptiveK;

/// <summary>Two panels over the trace: rolling steps saved and rolling CLIP-score drop, fixed against adaptive, with the shift marked.</summary>
public static class AdaptiveKPlot
{
    private static readonly SKColor FixedColour = new(31, 119, 180), AdaptiveColour = new(214, 39, 40), ShiftColour = SKColors.Gray;

    public static byte[] Render(AdaptiveKReport report)
    {
        var requests = report.Configuration.Requests;
        var shift = report.Configuration.ShiftAt;
        var drops = report.Curves.Values.SelectMany(c => c).Select(p => p.ClipDrop).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var dropRange = (Math.Min(0, Math.Floor(drops.Min() * 100) / 100), Math.Max(0.01, Math.Ceiling(drops.Max() * 100) / 100));
        IReadOnlyList<ChartSeries> Series(Func<CurvePoint, double> y, (double Min, double Max) range) =>
        [
            new ChartSeries(AdaptiveKReport.Fixed, FixedColour, report.Curves[AdaptiveKReport.Fixed].Select(p => ((double)p.Request, y(p))).ToArray()),
            new ChartSeries(AdaptiveKReport.Adaptive, AdaptiveColour, report.Curves[AdaptiveKReport.Adaptive].Select(p => ((double)p.Request, y(p))).ToArray()),
            new ChartSeries("shift", ShiftColour, [(shift, range.Min), (shift, range.Max)], Dashed: true),
        ];
        var tolerance = report.Configuration.Tolerance;
        var dropSeries = Series(p => p.ClipDrop, dropRange).Append(
            new ChartSeries("tolerance", SKColors.Black, [(0, tolerance), (requests, tolerance)], Dashed: true)).ToArray();
        return ChartSheet.Render(2, 560, 360,
            new LineChart
            {
                Title = $"steps saved, last {report.Configuration.CurveWindow} requests", XLabel = "request", YLabel = "steps saved (fraction)",
                XRange = (0, requests), YRange = (0, 0.6), Series = Series(p => p.StepsSaved, (0, 0.6)),
            },
            new LineChart
            {
                Title = $"CLIP-score drop against no cache, last {report.Configuration.CurveWindow} requests", XLabel = "request", YLabel = "mean drop",
                XRange = (0, requests), YRange = dropRange, Series = dropSeries,
            });
    }
}

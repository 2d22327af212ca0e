using Diffusion.Cache;
using Diffusion.Replay.Plots;
using SkiaSharp;

namespace Diffusion.Lab.Calibration;

/// <summary>The calibration curves as one PNG: per retrieval mode (rows), judge accuracy, pixel distance and CLIP image cosine to the full run (columns) against similarity, one line per K.</summary>
public static class CalibrationPlot
{
    private static readonly SKColor[] Palette =
    [
        new(31, 119, 180), new(44, 160, 44), new(255, 127, 14), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75),
    ];

    public const int PanelWidth = 560, PanelHeight = 340;

    public static byte[] Render(IReadOnlyList<ModeAnalysis> modes)
    {
        var charts = new List<LineChart>();
        for (var row = 0; row < modes.Count; row++)
        {
            var mode = modes[row];
            var buckets = mode.Buckets;
            var xs = buckets.Select(b => (b.Low + b.High) / 2).ToArray();
            var xRange = xs.Length == 0 ? (0.0, 1.0) : (Math.Floor(buckets.Min(b => b.Low) * 10) / 10, 1.0);
            var ks = buckets.Count == 0 ? [] : buckets[0].ByK.Select(b => b.K).ToArray();
            IReadOnlyList<ChartSeries> PerK(Func<BucketK, double> value, bool withFull) =>
                ks.Select((k, i) => new ChartSeries($"K={k}", Palette[i % Palette.Length],
                        buckets.Select(b => ((b.Low + b.High) / 2, value(b.ByK.First(x => x.K == k)))).ToArray(), Markers: true))
                    .Concat(withFull ? [new ChartSeries("full run", SKColors.Black, buckets.Select(b => ((b.Low + b.High) / 2, b.FullAccuracy)).ToArray(), Dashed: true, Markers: true)] : [])
                    .ToArray();
            var name = mode.Mode.ToName();
            var maxDistance = buckets.Count == 0 ? 0.1 : Math.Max(0.05, buckets.SelectMany(b => b.ByK).Max(b => b.PixelDistance) * 1.1);
            var minCosine = buckets.Count == 0 ? 0 : Math.Min(0.9, Math.Floor(buckets.SelectMany(b => b.ByK).Min(b => b.ImageCosine) * 10) / 10);
            charts.AddRange(
            [
                new LineChart { Title = $"{name}: judge accuracy", XLabel = "similarity", YLabel = "accuracy", XRange = xRange, YRange = (0, 1),
                    Legend = LegendPlacement.Beside, Series = PerK(b => b.Accuracy, withFull: true) },
                new LineChart { Title = $"{name}: pixel distance to full run", XLabel = "similarity", YLabel = "mean |Δpixel|", XRange = xRange,
                    YRange = (0, maxDistance), Legend = LegendPlacement.Beside, Series = PerK(b => b.PixelDistance, withFull: false) },
                new LineChart { Title = $"{name}: CLIP image cosine to full run", XLabel = "similarity", YLabel = "cosine", XRange = xRange,
                    YRange = (minCosine, 1), Legend = LegendPlacement.Beside, Series = PerK(b => b.ImageCosine, withFull: false) },
            ]);
        }
        return ChartSheet.Render(3, PanelWidth, PanelHeight, charts);
    }
}

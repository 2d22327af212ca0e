using Diffusion.Replay.Plots;
using SkiaSharp;

namespace Diffusion.Lab.Evaluation;

/// <summary>The report directory's figures: what each system trades (steps saved against judge accuracy and distance to none), and latency CDFs.</summary>
public static class EvaluationPlots
{
    public const string TradeOffFile = "steps-vs-quality.png";
    public const string LatencyFile = "latency-cdf.png";

    private static readonly IReadOnlyDictionary<string, SKColor> Colours = new Dictionary<string, SKColor>
    {
        [CacheSystems.None] = SKColors.Black,
        [CacheSystems.Exact] = new(31, 119, 180),
        [CacheSystems.GptCache] = new(255, 127, 14),
        [CacheSystems.Nirvana] = new(44, 160, 44),
        [CacheSystems.Ours] = new(214, 39, 40),
        [CacheSystems.FewerSteps] = new(148, 103, 189),
    };

    /// <summary>Writes every figure into <paramref name="directory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> WriteAll(CacheEvaluationReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var (name, bytes) in new[] { (TradeOffFile, TradeOff(report)), (LatencyFile, LatencyCdf(report)) })
        {
            var path = Path.Combine(directory, name);
            File.WriteAllBytes(path, bytes);
            written.Add(path);
        }
        return written;
    }

    /// <summary>Two panels, one point per system: judge accuracy and pixel distance to none against steps saved.</summary>
    public static byte[] TradeOff(CacheEvaluationReport report)
    {
        var systems = report.Systems;
        var accuracies = systems.Values.Select(f => f.JudgeAccuracy).Where(double.IsFinite).DefaultIfEmpty(0.5).ToArray();
        var distances = systems.Values.Select(f => f.DistanceToNone).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        // up to the largest saving and a margin: the systems crowd near the origin on a full 0..1 axis
        var xMax = Math.Min(1, Math.Max(0.2, Math.Ceiling(systems.Values.Select(f => f.StepsSaved).Where(double.IsFinite).DefaultIfEmpty(0).Max() * 12) / 10));
        IReadOnlyList<ChartSeries> Points(Func<SystemFigures, double> y) =>
            systems.Select(kv => new ChartSeries(kv.Key, Colours.GetValueOrDefault(kv.Key, SKColors.Gray), [(kv.Value.StepsSaved, y(kv.Value))], Markers: true)).ToArray();
        return ChartSheet.Render(2, 560, 360,
            new LineChart
            {
                Title = "judge accuracy against steps saved", XLabel = "steps saved (fraction)", YLabel = "judge accuracy",
                XRange = (0, xMax), YRange = (Math.Max(0, Math.Floor(accuracies.Min() * 10 - 1) / 10), Math.Min(1, Math.Ceiling(accuracies.Max() * 10 + 1) / 10)),
                Series = Points(f => f.JudgeAccuracy),
            },
            new LineChart
            {
                Title = "distance to the no-cache image", XLabel = "steps saved (fraction)", YLabel = "mean |Δpixel|",
                XRange = (0, xMax), YRange = (0, Math.Max(0.05, Math.Ceiling(distances.Max() * 1.2 * 20) / 20)), // multiples of 0.05 keep the ticks' labels exact
                Series = Points(f => f.DistanceToNone),
            });
    }

    /// <summary>Per system, the share of measured requests answered within a latency.</summary>
    public static byte[] LatencyCdf(CacheEvaluationReport report)
    {
        var all = report.Systems.Values.SelectMany(f => f.Latencies).Where(double.IsFinite).ToArray();
        var max = all.Length == 0 ? 1 : Math.Max(1e-3, all.Max());
        var series = report.Systems.Select(kv =>
        {
            var sorted = kv.Value.Latencies;
            var points = sorted.Select((latency, i) => (latency, (i + 1) / (double)sorted.Count)).Prepend((0.0, 0.0)).ToArray();
            return new ChartSeries(kv.Key, Colours.GetValueOrDefault(kv.Key, SKColors.Gray), points);
        }).ToArray();
        return ChartSheet.Render(1, 560, 360, new LineChart
        {
            Title = "latency CDF (measured requests)", XLabel = "latency (s)", YLabel = "share of requests",
            XRange = (0, max * 1.05), YRange = (0, 1), Legend = LegendPlacement.BottomRight, Series = series,
        });
    }
}

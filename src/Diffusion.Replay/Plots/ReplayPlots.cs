using System.Globalization;
using Diffusion.Replay.Plots;
using Diffusion.Replay.Records;
using SkiaSharp;

namespace Diffusion.Replay.Plots;

/// <summary>The replay's two plots: hit rate over time (rolling window), and the latency CDF split by cache result.</summary>
public static class ReplayPlots
{
    public const string HitRateFile = "hit-rate.png";
    public const string LatencyCdfFile = "latency-cdf.png";

    private static readonly SKColor Blue = new(0x1F, 0x77, 0xB4);
    private static readonly SKColor Orange = new(0xFF, 0x7F, 0x0E);
    private static readonly SKColor Green = new(0x2C, 0xA0, 0x2C);
    private static readonly SKColor Grey = new(0x7F, 0x7F, 0x7F);
    private static readonly SKColor Red = new(0xD6, 0x27, 0x28);

    /// <summary>Requests in the rolling window: a tenth of the answers, between 5 and 100.</summary>
    public static int WindowFor(int answers) => Math.Clamp(answers / 10, 5, 100);

    public static LineChart HitRate(IReadOnlyList<RequestRecord> records)
    {
        var answered = Succeeded(records).OrderBy(r => r.FinishedS).ToList();
        var window = WindowFor(answered.Count);
        var rolling = new List<(double X, double Y)>(answered.Count);
        var cumulative = new List<(double X, double Y)>(answered.Count);
        var inWindow = 0;
        var total = 0;
        for (var i = 0; i < answered.Count; i++)
        {
            var hit = answered[i].Cache?.Hit == true ? 1 : 0;
            inWindow += hit;
            total += hit;
            if (i >= window && answered[i - window].Cache?.Hit == true) inWindow--;
            rolling.Add((answered[i].FinishedS, (double)inWindow / Math.Min(i + 1, window)));
            cumulative.Add((answered[i].FinishedS, (double)total / (i + 1)));
        }
        return new LineChart
        {
            Title = "Cache hit rate over the replay",
            XLabel = "time since the replay started (s)",
            YLabel = "hit rate",
            YRange = (0, 1),
            YFormat = Percent,
            Series =
            [
                new ChartSeries($"last {window} answers", Blue, rolling),
                new ChartSeries("since the start", Grey, cumulative),
            ],
        };
    }

    /// <param name="records">The pass with the cache on.</param>
    /// <param name="cacheOff">The pass with the cache off, when one was run.</param>
    public static LineChart LatencyCdf(IReadOnlyList<RequestRecord> records, IReadOnlyList<RequestRecord>? cacheOff)
    {
        var succeeded = Succeeded(records).ToList();
        var hits = succeeded.Where(r => r.Cache?.Hit == true).ToList();
        var misses = succeeded.Where(r => r.Cache?.Hit != true).ToList();
        var series = new List<ChartSeries>
        {
            Cdf($"cache hit (n={hits.Count})", Green, hits),
            Cdf($"cache miss (n={misses.Count})", Orange, misses),
        };
        if (cacheOff is not null)
        {
            series.Add(Cdf($"all, cache on (n={succeeded.Count})", Blue, succeeded));
            series.Add(Cdf($"all, cache off (n={Succeeded(cacheOff).Count()})", Red, Succeeded(cacheOff)));
        }
        return new LineChart
        {
            Title = "Latency CDF (first send to answer)",
            XLabel = "latency (s)",
            YLabel = "fraction of requests",
            YRange = (0, 1),
            Legend = LegendPlacement.BottomRight,
            YFormat = Percent,
            Series = series,
        };
    }

    /// <summary>An empirical CDF as a step line: at each latency the fraction rises by 1/n.</summary>
    public static IReadOnlyList<(double X, double Y)> CdfPoints(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var points = new List<(double X, double Y)>(sorted.Length * 2);
        for (var i = 0; i < sorted.Length; i++)
        {
            points.Add((sorted[i], (double)i / sorted.Length));
            points.Add((sorted[i], (double)(i + 1) / sorted.Length));
        }
        return points;
    }

    private static ChartSeries Cdf(string name, SKColor color, IEnumerable<RequestRecord> records) =>
        new(name, color, CdfPoints(records.Select(r => r.LatencyS)));

    private static IEnumerable<RequestRecord> Succeeded(IEnumerable<RequestRecord> records) =>
        records.Where(r => r.Outcome == RequestOutcome.Succeeded);

    private static string Percent(double fraction) => (fraction * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
}

using Diffusion.Replay.Plots;
using Diffusion.Replay.Records;
using Diffusion.Replay.Tests.Infrastructure;
using SkiaSharp;

namespace Diffusion.Replay.Tests;

public sealed class PlotTests
{
    private static readonly RequestRecord[] Pass =
    [
        TestRecords.Make(0, sent: 0, latency: 2),
        TestRecords.Make(1, sent: 1, latency: 0.5, hit: true, k: 10),
        TestRecords.Make(2, sent: 2, latency: 0.6, hit: true, k: 5),
        TestRecords.Make(3, RequestOutcome.Failed, 400, sent: 2, latency: 0.1),
        TestRecords.Make(4, sent: 3, latency: 2.5),
    ];

    [Fact]
    public void Both_plots_render_as_decodable_pngs_of_the_asked_size()
    {
        foreach (var chart in new[] { ReplayPlots.HitRate(Pass), ReplayPlots.LatencyCdf(Pass, Pass[..2]) })
        {
            var png = chart.RenderPng(800, 500);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            using var bitmap = SKBitmap.Decode(png);
            Assert.NotNull(bitmap);
            Assert.Equal((800, 500), (bitmap.Width, bitmap.Height));
            // Something besides the white background and grey frame was drawn: a coloured series.
            Assert.Contains(bitmap.Pixels, p => p.Saturation() > 50);
        }
    }

    [Fact]
    public void An_empty_pass_still_gives_a_png()
    {
        using var bitmap = SKBitmap.Decode(ReplayPlots.LatencyCdf([], null).RenderPng());
        Assert.Equal(960, bitmap.Width);
    }

    [Fact]
    public void The_cdf_rises_by_one_over_n_at_each_latency_and_ends_at_one()
    {
        var points = ReplayPlots.CdfPoints([0.3, 0.1, 0.2, 0.4]);
        Assert.Equal(8, points.Count);
        Assert.Equal((0.1, 0), points[0]);
        Assert.Equal((0.1, 0.25), points[1]);
        Assert.Equal((0.4, 1), points[^1]);
        Assert.All(points.Zip(points.Skip(1)), p => Assert.True(p.Second.X >= p.First.X && p.Second.Y >= p.First.Y));
    }

    [Fact]
    public void The_hit_rate_series_are_a_rolling_window_and_the_running_total()
    {
        // 12 answers, hits at 1, 2, 3, 10, 11 (by finish time); window = max(5, 12/10) = 5.
        var records = Enumerable.Range(0, 12)
            .Select(i => TestRecords.Make(i, sent: i, latency: 1, hit: i is 1 or 2 or 3 or 10 or 11, k: 5)).ToArray();
        var chart = ReplayPlots.HitRate(records);
        var rolling = chart.Series[0].Points;
        var total = chart.Series[1].Points;
        Assert.Equal("last 5 answers", chart.Series[0].Name);
        Assert.Equal([0, 0.5, 2 / 3.0, 0.75, 0.6, 0.6, 0.4, 0.2, 0, 0, 0.2, 0.4], rolling.Select(p => p.Y), new ToleranceComparer());
        Assert.Equal(5 / 12.0, total[^1].Y, 9);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (double)i), rolling.Select(p => p.X));
    }

    private sealed class ToleranceComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;
        public int GetHashCode(double obj) => 0;
    }
}

internal static class ColorExtensions
{
    public static float Saturation(this SKColor color)
    {
        color.ToHsv(out _, out var s, out _);
        return s;
    }
}

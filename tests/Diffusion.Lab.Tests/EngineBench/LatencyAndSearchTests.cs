using Diffusion.Lab.EngineBench;

namespace Diffusion.Lab.Tests.EngineBench;

public sealed class LatencyAndSearchTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] values = Enumerable.Range(1, 20).Select(i => (double)i).Reverse().ToArray();
        Assert.Equal(19, LatencyStats.Percentile(values, 95));
        Assert.Equal(10, LatencyStats.Percentile(values, 50));
        Assert.Equal(20, LatencyStats.Percentile(values, 100));
        Assert.Equal(1, LatencyStats.Percentile(values, 1));
        Assert.Equal(2, LatencyStats.Percentile([2.0, 7.0], 50));
        Assert.Throws<ArgumentException>(() => LatencyStats.Percentile([], 95));
    }

    [Fact]
    public void The_rate_search_finds_the_highest_rate_within_the_slo()
    {
        // An M/M/1-like curve: p95 = 1 / (1 − rate) reaches 5 at rate 0.8.
        static double P95(double rate) => rate >= 1 ? double.PositiveInfinity : 1 / (1 - rate);
        double found = SloRateSearch.MaxRate(P95, slo: 5, low: 0.01, high: 1.5, steps: 30);
        Assert.InRange(found, 0.79, 0.8);
        Assert.True(P95(found) <= 5);

        Assert.Equal(1.5, SloRateSearch.MaxRate(_ => 1, slo: 5, low: 0.01, high: 1.5, steps: 5));
        Assert.Equal(0, SloRateSearch.MaxRate(_ => 10, slo: 5, low: 0.01, high: 1.5, steps: 5));
    }

    [Fact]
    public void A_trace_scales_with_the_rate_and_keeps_its_jobs()
    {
        var trace = new DiffusionTrace(jobs: 2000, totalSteps: 50, minRemaining: 25, maxRemaining: 50, seed: 3);
        IReadOnlyList<DiffusionArrival> slow = trace.AtRate(1), fast = trace.AtRate(4);
        for (int i = 0; i < trace.Jobs; i++)
        {
            Assert.Equal(slow[i].Seconds / 4, fast[i].Seconds, 9);
            Assert.Equal(slow[i].StartStep, fast[i].StartStep);
            Assert.InRange(50 - slow[i].StartStep, 25, 50);
        }

        // Poisson at rate 4: the mean gap is close to 1/4.
        Assert.InRange(fast[^1].Seconds / trace.Jobs, 0.23, 0.27);
        Assert.InRange(trace.MeanRemainingSteps, 36, 39);
    }
}

using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class DistributionTests
{
    [Fact]
    public void Zipf_draws_follow_their_probabilities()
    {
        var zipf = new ZipfDistribution(50, 0.9);
        var random = new TraceRandom(3);
        var counts = new int[50];
        const int draws = 200_000;
        for (var i = 0; i < draws; i++)
        {
            counts[zipf.Sample(random)]++;
        }

        Assert.Equal(1.0, Enumerable.Range(0, 50).Sum(zipf.Probability), 9);
        Assert.Equal(Math.Pow(2, -0.9), zipf.Probability(1) / zipf.Probability(0), 9);
        for (var rank = 0; rank < 50; rank++)
        {
            var expected = zipf.Probability(rank) * draws;
            Assert.InRange(counts[rank], expected - 5 * Math.Sqrt(expected), expected + 5 * Math.Sqrt(expected));
        }

        Assert.InRange(ZipfFit.LeastSquaresExponent(counts)!.Value, 0.85, 0.95);
    }

    [Fact]
    public void Expected_distinct_ranks_match_simulation()
    {
        var zipf = new ZipfDistribution(100, 0.5);
        var random = new TraceRandom(4);
        var total = 0;
        const int runs = 300;
        for (var run = 0; run < runs; run++)
        {
            total += Enumerable.Range(0, 150).Select(_ => zipf.Sample(random)).Distinct().Count();
        }

        Assert.InRange((double)total / runs, zipf.ExpectedDistinct(150) - 1, zipf.ExpectedDistinct(150) + 1);
    }

    [Fact]
    public void Empirical_distribution_inverts_its_quantile_table()
    {
        var table = Enumerable.Range(0, 101).Select(i => i * 2.0).ToArray();
        var distribution = EmpiricalDistribution.Even(table);
        Assert.Equal(100, distribution.Median, 9);
        Assert.Equal(21, distribution.Quantile(0.105), 9);
        var random = new TraceRandom(5);
        var samples = Enumerable.Range(0, 20_000).Select(_ => distribution.Sample(random)).Order().ToArray();
        Assert.InRange(GapSummary.Quantile(samples, 0.5), 97, 103);
        Assert.All(samples, s => Assert.InRange(s, 0, 200));
        Assert.Throws<ArgumentException>(() => EmpiricalDistribution.Even([3.0, 1.0]));
        Assert.Throws<ArgumentException>(() => new EmpiricalDistribution([0.0, 0.9], [1.0, 2.0]));
    }

    [Fact]
    public void Uneven_levels_interpolate_within_their_own_step()
    {
        var distribution = new EmpiricalDistribution([0.0, 0.5, 0.99, 1.0], [0.0, 10.0, 20.0, 1020.0]);
        Assert.Equal(10, distribution.Median, 9);
        Assert.Equal(5, distribution.Quantile(0.25), 9);
        Assert.Equal(520, distribution.Quantile(0.995), 6);
    }

    [Fact]
    public void Trace_random_is_a_fixed_sequence_for_a_seed()
    {
        var a = new TraceRandom(123);
        var b = new TraceRandom(123);
        var first = Enumerable.Range(0, 5).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 5).Select(_ => b.NextUInt64()));
        Assert.NotEqual(first, Enumerable.Range(0, 5).Select(_ => new TraceRandom(124).NextUInt64()));
        var random = new TraceRandom(1);
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextDouble()), d => Assert.InRange(d, 0, 0.9999999999));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextInt(7)), i => Assert.InRange(i, 0, 6));
    }
}

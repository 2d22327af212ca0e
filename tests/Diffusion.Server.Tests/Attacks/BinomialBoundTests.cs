using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

public sealed class BinomialBoundTests
{
    [Fact]
    public void No_events_bound_the_rate_by_the_rule_of_three()
    {
        Assert.Equal(1 - Math.Pow(0.05, 1.0 / 60), BinomialBound.Upper(0, 60), 9);
        Assert.InRange(BinomialBound.Upper(0, 60), 0.048, 0.050);
        Assert.True(BinomialBound.Upper(0, 300) < 0.01);
        Assert.True(BinomialBound.Upper(0, 250) > 0.01);
    }

    [Fact]
    public void Some_events_match_clopper_pearson()
    {
        // the Beta(6, 55) distribution's 95th percentile, as R's binom.test(5, 60, alternative = "less") gives
        Assert.Equal(0.16726, BinomialBound.Upper(5, 60), 4);
        Assert.Equal(1.0, BinomialBound.Upper(60, 60));
    }

    [Fact]
    public void Bad_counts_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialBound.Upper(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialBound.Upper(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialBound.Upper(11, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialBound.Upper(1, 10, 1.0));
    }
}

using Diffusion.Replay.Stats;

namespace Diffusion.Replay.Tests;

public sealed class PercentilesTests
{
    [Fact]
    public void Nearest_rank_percentiles_of_one_to_a_hundred()
    {
        var values = Enumerable.Range(1, 100).Select(v => (double)v).ToArray();
        Assert.Equal(50, Percentiles.Of(values, 0.50));
        Assert.Equal(95, Percentiles.Of(values, 0.95));
        Assert.Equal(99, Percentiles.Of(values, 0.99));
        Assert.Equal(29, Percentiles.Of(values, 0.29));   // 0.29 × 100 is 28.999... in binary
        Assert.Equal(1, Percentiles.Of(values, 0));
        Assert.Equal(100, Percentiles.Of(values, 1));
    }

    [Fact]
    public void Small_samples_take_the_value_at_or_above_the_rank()
    {
        double[] values = [0.2, 0.4, 0.9];
        Assert.Equal(0.4, Percentiles.Of(values, 0.5));
        Assert.Equal(0.9, Percentiles.Of(values, 0.95));
        Assert.Equal(0.2, Percentiles.Of(values, 0.33));
        Assert.Equal(5.0, Percentiles.Of([5.0], 0.99));
    }

    [Fact]
    public void No_values_give_no_percentile_and_bad_fractions_are_refused()
    {
        Assert.Null(Percentiles.Of([], 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of([1.0], 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of([1.0], double.NaN));
    }
}

using Diffusion.Cache.Policy;

namespace Diffusion.Cache.Tests.Policy;

public sealed class CachePointsTests
{
    [Fact]
    public void Fifty_steps_use_the_reference_points_unchanged()
    {
        Assert.Equal([5, 10, 15, 20, 25], CachePoints.Nirvana.StepsFor(50));
    }

    [Theory]
    [InlineData(25, new[] { 3, 5, 8, 10, 13 })]   // 2.5 → 3, 7.5 → 8, 12.5 → 13: half away from zero
    [InlineData(100, new[] { 10, 20, 30, 40, 50 })]
    [InlineData(10, new[] { 1, 2, 3, 4, 5 })]
    [InlineData(4, new[] { 1, 2 })]               // 0.4 → 0 clamps to 1; duplicates merge
    [InlineData(2, new[] { 1 })]
    public void Points_scale_with_the_step_count_rounded_and_kept_inside_the_run(int steps, int[] expected)
    {
        Assert.Equal(expected, CachePoints.Nirvana.StepsFor(steps));
    }

    [Fact]
    public void A_run_of_one_step_has_no_cache_point_and_K_zero_stays_a_miss()
    {
        Assert.Empty(CachePoints.Nirvana.StepsFor(1));
        Assert.Equal(0, CachePoints.Nirvana.Scale(0, 50));
        Assert.Equal(13, CachePoints.Nirvana.Scale(25, 25));
    }

    [Fact]
    public void Bad_points_are_refused_with_the_values_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new CachePoints([0, 5], 50));
        Assert.Contains("[0, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => new CachePoints([50], 50));
    }
}

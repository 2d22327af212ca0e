using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

public sealed class LatencyThresholdTests
{
    [Fact]
    public void Separable_samples_are_cut_halfway_between_the_slowest_hit_and_the_fastest_miss()
    {
        Assert.Equal(0.2, LatencyThreshold.Between([0.12, 0.15, 0.18], [0.22, 0.30, 0.41]), 12);
    }

    [Fact]
    public void A_slow_outlier_among_the_hits_does_not_drag_the_cut_into_the_misses()
    {
        // a cut halfway between the medians would land at (0.16 + 0.28) / 2 = 0.22, above the fastest miss
        var cut = LatencyThreshold.Between([0.12, 0.14, 0.16, 0.18, 0.36], [0.21, 0.25, 0.28, 0.30, 0.33]);
        Assert.Equal(0.195, cut, 12);
    }

    [Fact]
    public void Of_equally_good_cuts_the_lowest_is_taken()
    {
        // one hit among the misses: cutting above it or below it errs once either way; below keeps false hits out
        var cut = LatencyThreshold.Between([0.10, 0.12, 0.26], [0.20, 0.24, 0.30]);
        Assert.Equal(0.16, cut, 12);
    }

    [Fact]
    public void Hits_no_faster_than_misses_give_no_threshold()
    {
        Assert.Equal(0.0, LatencyThreshold.Between([0.38, 0.40], [0.30, 0.32]));
    }

    [Fact]
    public void Calibration_needs_both_kinds()
    {
        Assert.Throws<ArgumentException>(() => LatencyThreshold.Between([], [1.0]));
        Assert.Throws<ArgumentException>(() => LatencyThreshold.Between([0.5], []));
    }
}

using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

public sealed class LatencyThresholdTests
{
    [Fact]
    public void The_threshold_lies_halfway_between_the_medians()
    {
        // a slow outlier among the hits moves the median, not the threshold's side
        Assert.Equal(0.75, LatencyThreshold.Between([0.4, 0.5, 3.0], [1.0, 1.1, 0.9]), 12);
    }

    [Fact]
    public void Hits_no_faster_than_misses_give_no_threshold()
    {
        Assert.Equal(0.0, LatencyThreshold.Between([0.38, 0.40], [0.37, 0.39]));
    }

    [Fact]
    public void Calibration_needs_both_kinds()
    {
        Assert.Throws<ArgumentException>(() => LatencyThreshold.Between([], [1.0]));
        Assert.Throws<ArgumentException>(() => LatencyThreshold.Between([0.5], []));
    }
}

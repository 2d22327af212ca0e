namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>
/// The attacker's latency threshold: halfway between the medians of its own repeat hits and its own misses. Medians,
/// because a loaded machine adds long upward tails to single requests.
/// </summary>
public static class LatencyThreshold
{
    public static double Between(IReadOnlyCollection<double> hitSeconds, IReadOnlyCollection<double> missSeconds)
    {
        ArgumentNullException.ThrowIfNull(hitSeconds);
        ArgumentNullException.ThrowIfNull(missSeconds);
        if (hitSeconds.Count == 0 || missSeconds.Count == 0)
        {
            throw new ArgumentException("the threshold needs at least one hit and one miss.");
        }
        var hit = Median(hitSeconds);
        var miss = Median(missSeconds);
        if (!(hit < miss))
        {
            throw new InvalidOperationException(
                $"repeat hits (median {hit:0.000} s) are not faster than misses (median {miss:0.000} s): latency cannot tell them apart.");
        }
        return (hit + miss) / 2;
    }

    public static double Median(IReadOnlyCollection<double> values) => Diffusion.Cache.Bench.BenchFigures.Quantile(values, 0.5);
}

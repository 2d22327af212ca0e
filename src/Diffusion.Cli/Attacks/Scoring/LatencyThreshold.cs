namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>
/// The attacker's latency threshold: halfway between the medians of its own repeat hits and its own misses. Medians,
/// because a loaded machine adds long upward tails to single requests. When the hits are not faster than the misses
/// latency carries no signal the attacker could calibrate, and the threshold is 0: nothing is faster than it.
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
        return hit < miss ? (hit + miss) / 2 : 0.0;
    }

    public static double Median(IReadOnlyCollection<double> values) => Diffusion.Cache.Bench.BenchFigures.Quantile(values, 0.5);
}

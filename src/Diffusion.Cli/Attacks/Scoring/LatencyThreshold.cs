namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>
/// The attacker's latency threshold, fitted on its own calibration samples: the cut that misclassifies the fewest
/// of its repeat hits (at or above the cut) and misses (below it), taken halfway between two neighbouring samples;
/// of equally good cuts, the lowest, since a false "cached" costs the attacker more than a missed one. When no cut
/// beats calling nothing a hit, latency carries no signal the attacker could use, and the threshold is 0.
/// </summary>
/// <remarks>
/// A first version cut halfway between the two medians. On this loaded 2-core machine that put the cut near the
/// misses' median (the repeat hits' median of 6 samples came out high), so about half the later misses fell under
/// it: pure noise, since a response that says miss is one.
/// </remarks>
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
        var samples = hitSeconds.Concat(missSeconds).Distinct().Order().ToArray();
        // calling nothing a hit (cut 0) errs on every hit
        var best = 0.0;
        var fewest = hitSeconds.Count;
        for (var i = 0; i < samples.Length; i++)
        {
            var cut = i + 1 < samples.Length ? (samples[i] + samples[i + 1]) / 2 : samples[i] * 1.001;
            var errors = hitSeconds.Count(h => h >= cut) + missSeconds.Count(m => m < cut);
            if (errors < fewest)
            {
                fewest = errors;
                best = cut;
            }
        }
        return best;
    }

    public static double Median(IReadOnlyCollection<double> values) => Diffusion.Lab.Bench.BenchFigures.Quantile(values, 0.5);
}

using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Cli.Attacks;

/// <summary>Median client-side latencies of one service run's requests, by what the responses said happened.</summary>
public sealed record LatencyFigures(
    double? SharedHitP50, int SharedHits,
    double? SharedRepeatHitP50, int SharedRepeatHits,
    double? MissP50, int Misses)
{
    public static LatencyFigures From(IReadOnlyList<Probe> probes, int repeatK)
    {
        var shared = probes.Where(p => p.Hit && p.Shared).Select(p => p.Seconds).ToList();
        var sharedRepeat = probes.Where(p => p.Hit && p.Shared && p.K >= repeatK).Select(p => p.Seconds).ToList();
        // refresh requests are full runs that skip the lookup; auto misses are full runs after one
        var misses = probes.Where(p => !p.Hit && p.CacheMode is "auto" or "refresh").Select(p => p.Seconds).ToList();
        return new(P50(shared), shared.Count, P50(sharedRepeat), sharedRepeat.Count, P50(misses), misses.Count);
    }

    private static double? P50(IReadOnlyCollection<double> values) => values.Count == 0 ? null : LatencyThreshold.Median(values);
}

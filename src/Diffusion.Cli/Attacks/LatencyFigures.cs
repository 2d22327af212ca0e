using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// Median client-side latencies of one service run's requests, by what the responses said happened, and the median
/// gap between the client's latency and the response's own <c>timings.total</c>: padding added after the service's
/// clock stops shows there.
/// </summary>
public sealed record LatencyFigures(
    double? SharedHitP50, int SharedHits,
    double? SharedRepeatHitP50, int SharedRepeatHits,
    double? MissP50, int Misses,
    double? SharedHitGapP50, double? OtherGapP50)
{
    public static LatencyFigures From(IReadOnlyList<Probe> probes, int repeatK)
    {
        ArgumentNullException.ThrowIfNull(probes);
        var shared = probes.Where(p => p.Hit && p.Shared).ToList();
        var sharedRepeat = shared.Where(p => p.K >= repeatK).Select(p => p.Seconds).ToList();
        // refresh requests are full runs that skip the lookup; auto misses are full runs after one
        var misses = probes.Where(p => !p.Hit && p.CacheMode is "auto" or "refresh").Select(p => p.Seconds).ToList();
        return new(P50(shared.Select(p => p.Seconds).ToList()), shared.Count, P50(sharedRepeat), sharedRepeat.Count, P50(misses), misses.Count,
            P50(Gaps(shared)), P50(Gaps(probes.Where(p => !(p.Hit && p.Shared)))));
    }

    private static List<double> Gaps(IEnumerable<Probe> probes) =>
        probes.Where(p => p.ServerSeconds is not null).Select(p => p.Seconds - p.ServerSeconds!.Value).ToList();

    private static double? P50(IReadOnlyCollection<double> values) => values.Count == 0 ? null : LatencyThreshold.Median(values);
}

using Diffusion.Cache.Traces;

namespace Diffusion.Replay.Arrivals;

/// <summary>
/// When each trace record is sent: all at once, as a seeded Poisson process, or at the trace's own
/// (scaled) timestamps. A schedule is ordered by due time; ties keep trace order.
/// </summary>
public static class ArrivalSchedules
{
    public static IReadOnlyList<ScheduledRequest> Immediate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Enumerable.Range(0, count).Select(i => new ScheduledRequest(i, TimeSpan.Zero)).ToArray();
    }

    /// <summary>
    /// Exponential gaps of mean 1/<paramref name="rate"/> seconds: the same seed gives the same times
    /// on every runtime (the trace generator's own random source).
    /// </summary>
    public static IReadOnlyList<ScheduledRequest> Poisson(int count, double rate, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(rate > 0) || double.IsInfinity(rate))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be a positive, finite number of requests per second.");

        var random = new TraceRandom(seed);
        var schedule = new ScheduledRequest[count];
        var seconds = 0.0;
        for (var i = 0; i < count; i++)
        {
            // 1 − U lies in (0, 1], so the logarithm is finite.
            seconds += -Math.Log(1.0 - random.NextDouble()) / rate;
            schedule[i] = new ScheduledRequest(i, TimeSpan.FromSeconds(seconds));
        }
        return schedule;
    }

    /// <summary>
    /// The trace's timestamps, measured from the earliest one and multiplied by <paramref name="scale"/>.
    /// Every record needs a timestamp; a log that is not in time order is replayed in time order.
    /// </summary>
    public static IReadOnlyList<ScheduledRequest> FromTimestamps(IReadOnlyList<double?> seconds, double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The time scale must be a positive, finite number.");
        var missing = Enumerable.Range(0, seconds.Count).Where(i => seconds[i] is null).ToList();
        if (missing.Count > 0)
            throw new ArgumentException(
                $"{missing.Count} of {seconds.Count} trace records have no timestamp (the first is record {missing[0] + 1}); " +
                "replay them with --rate or without --timestamps", nameof(seconds));
        if (seconds.Count == 0) return [];

        var origin = seconds.Min(s => s!.Value);
        return Enumerable.Range(0, seconds.Count)
            .Select(i => new ScheduledRequest(i, TimeSpan.FromSeconds((seconds[i]!.Value - origin) * scale)))
            .OrderBy(s => s.At)   // stable: equal times keep trace order
            .ToArray();
    }
}

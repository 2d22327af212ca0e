using Diffusion.Replay.Traces;

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
    /// A log that is not in time order is replayed in time order. A record without a timestamp (the
    /// real logs have some) goes with the record before it in the file, or with the first timed record
    /// when none precedes it; a trace with no timestamp at all cannot be replayed this way.
    /// </summary>
    public static IReadOnlyList<ScheduledRequest> FromTimestamps(IReadOnlyList<double?> seconds, double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The time scale must be a positive, finite number.");
        if (seconds.Count == 0) return [];
        var first = seconds.FirstOrDefault(s => s is not null)
                    ?? throw new ArgumentException(
                        $"none of the {seconds.Count} trace records has a timestamp; replay them with --rate or without --timestamps", nameof(seconds));

        var filled = new double[seconds.Count];
        var previous = first;
        for (var i = 0; i < seconds.Count; i++) filled[i] = previous = seconds[i] ?? previous;

        var origin = filled.Min();
        return Enumerable.Range(0, filled.Length)
            .Select(i => new ScheduledRequest(i, TimeSpan.FromSeconds((filled[i] - origin) * scale)))
            .OrderBy(s => s.At)   // stable: equal times keep trace order
            .ToArray();
    }

    /// <summary>How many records lack a timestamp (and borrow their neighbour's under <see cref="FromTimestamps"/>).</summary>
    public static int MissingTimestamps(IReadOnlyList<double?> seconds) => seconds.Count(s => s is null);
}

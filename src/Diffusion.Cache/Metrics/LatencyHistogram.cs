namespace Diffusion.Cache.Metrics;

/// <summary>A thread-safe cumulative histogram of durations (Prometheus-style: upper bounds in seconds, plus sum and count).</summary>
public sealed class LatencyHistogram
{
    private readonly long[] _counts;
    private long _count;
    private long _sumTicks;

    public LatencyHistogram(IReadOnlyList<double> upperBoundsSeconds)
    {
        ArgumentNullException.ThrowIfNull(upperBoundsSeconds);
        if (upperBoundsSeconds.Count == 0 || upperBoundsSeconds.Zip(upperBoundsSeconds.Skip(1)).Any(p => p.First >= p.Second)
            || upperBoundsSeconds[0] <= 0)
        {
            throw new ArgumentException("histogram bounds must be positive and strictly increasing.", nameof(upperBoundsSeconds));
        }
        UpperBounds = upperBoundsSeconds.ToArray();
        _counts = new long[UpperBounds.Count];
    }

    /// <summary>Lookup-sized buckets: 0.25 ms … 1 s.</summary>
    public static IReadOnlyList<double> LookupBounds { get; } = [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

    public IReadOnlyList<double> UpperBounds { get; }

    public void Observe(TimeSpan duration)
    {
        var seconds = Math.Max(0, duration.TotalSeconds);
        for (var i = 0; i < UpperBounds.Count; i++)
        {
            if (seconds <= UpperBounds[i])
            {
                Interlocked.Increment(ref _counts[i]);
                break;
            }
        }
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumTicks, Math.Max(0, duration.Ticks));
    }

    public HistogramSnapshot Snapshot()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            cumulative[i] = running;
        }
        return new HistogramSnapshot(UpperBounds, cumulative, Interlocked.Read(ref _count), TimeSpan.FromTicks(Interlocked.Read(ref _sumTicks)));
    }
}

/// <summary>Cumulative counts per upper bound (observations ≤ bound), the total count (the +Inf bucket) and the sum.</summary>
public sealed record HistogramSnapshot(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> CumulativeCounts, long Count, TimeSpan Sum);

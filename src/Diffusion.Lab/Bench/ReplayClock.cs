

namespace Diffusion.Lab.Bench;

/// <summary>
/// Wall-clock time as the trace sees it: set to each request's arrival as the replay reaches it, so the
/// store's ages, LRU order and LCBFU grace periods follow trace time, not how fast the replay runs.
/// Timestamps (durations) stay real.
/// </summary>
public sealed class ReplayClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public DateTimeOffset Start { get; } = start;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Moves to <paramref name="sinceStart"/> after the start; never backwards.</summary>
    public void Set(TimeSpan sinceStart)
    {
        var target = Start.UtcTicks + sinceStart.Ticks;
        long current;
        do
        {
            current = Interlocked.Read(ref _utcTicks);
            if (target <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _utcTicks, target, current) != current);
    }
}

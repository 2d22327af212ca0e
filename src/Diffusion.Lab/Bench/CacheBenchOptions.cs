using Diffusion.Cache;
using Diffusion.CacheStore;

namespace Diffusion.Lab.Bench;

/// <summary>Settings of <c>bench cache</c>; <see cref="Validate"/> names every problem.</summary>
public sealed record CacheBenchOptions : TraceReplayOptions
{
    public CacheBenchOptions()
    {
        Requests = 2000; // the acceptance run's size
        // small enough that eviction decides what stays (about 2,200 evictions on the standard trace)
        Budget = ByteSize.Parse("2MB");
    }

    /// <summary>Retrieval mode; null uses k-table.json's default.</summary>
    public RetrievalMode? Mode { get; init; }

    /// <summary>Partition the cache by trace user (each user a tenant) instead of one shared cache.</summary>
    public bool PerUserTenants { get; init; }

    /// <summary>Check every hit's lineage (<see cref="ApproximateCacheOptions.CheckLineage"/>); false to measure without it.</summary>
    public bool CheckLineage { get; init; } = true;

    /// <summary>Let the cache-on run's table learn online (<see cref="ApproximateCacheOptions.AdaptiveK"/>); the accounting replays keep the table fixed (they score no images).</summary>
    public Diffusion.Cache.Adaptive.AdaptiveKOptions? AdaptiveK { get; init; }

    /// <summary>
    /// The cache-off and cache-on replays alternate in segments of this many requests (each segment runs to its end before
    /// the other replay's), so the machine's drift over the half hour falls on both alike; 0 plays them one after the other.
    /// </summary>
    public int InterleaveRequests { get; init; } = 100;

    protected override int MinimumRequests => 10;

    protected override void CheckOwn(List<string> problems)
    {
        if (InterleaveRequests < 0)
        {
            problems.Add($"interleave is {InterleaveRequests}; a number of requests, or 0 for one replay after the other.");
        }
    }

    protected override string Subject => "cache bench";

    public CacheBenchOptions Validate()
    {
        ThrowIfInvalid();
        return this;
    }
}

using Diffusion.CacheStore;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache.Bench;

/// <summary>Settings of <c>bench cache</c>; <see cref="Validate"/> names every problem.</summary>
public sealed record CacheBenchOptions
{
    /// <summary>Requests replayed (the acceptance run uses at least 2,000).</summary>
    public int Requests { get; init; } = 2000;

    /// <summary>Seed of the standard generated trace.</summary>
    public long TraceSeed { get; init; } = 1;

    /// <summary>Distinct users of the trace; null takes the count derived from the real logs (a trace under ~60 requests needs fewer).</summary>
    public int? Users { get; init; }

    /// <summary>Leading share of the trace that only warms the cache; the figures cover the rest.</summary>
    public double Warmup { get; init; } = 0.2;

    /// <summary>The cache's byte budget on disk: small enough that eviction runs.</summary>
    public ByteSize Budget { get; init; } = ByteSize.Parse("2MB");

    /// <summary>Requests in flight at once (iteration-level batching, two UNet rows each with guidance).</summary>
    public int Concurrency { get; init; } = 8;

    public int Steps { get; init; } = 50;

    /// <summary>The model card's guidance for evaluation.</summary>
    public float GuidanceScale { get; init; } = 4f;

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    /// <summary>Retrieval mode; null uses k-table.json's default.</summary>
    public RetrievalMode? Mode { get; init; }

    /// <summary>Partition the cache by trace user (each user a tenant) instead of one shared cache.</summary>
    public bool PerUserTenants { get; init; }

    /// <summary>LCBFU's grace period in requests' worth of trace time (mean gap × this); null = an eighth of the budget's capacity in entries.</summary>
    public double? GraceRequests { get; init; }

    /// <summary>Where the replays' stores live; a fresh temporary directory when null (deleted afterwards).</summary>
    public string? WorkDirectory { get; init; }

    public CacheBenchOptions Validate()
    {
        var problems = new List<string>();
        if (Requests < 10)
        {
            problems.Add($"requests is {Requests}; at least 10 (the acceptance run uses 2,000).");
        }
        if (Users is < 1)
        {
            problems.Add($"users is {Users}; at least 1.");
        }
        if (Warmup is < 0 or >= 1)
        {
            problems.Add($"warm-up is {Warmup}; a share in [0, 1).");
        }
        if (Budget.Bytes <= 0)
        {
            problems.Add("the budget must be positive.");
        }
        if (Concurrency < 1)
        {
            problems.Add($"concurrency is {Concurrency}; at least 1.");
        }
        if (Steps is < 2 or > 1000)
        {
            problems.Add($"steps is {Steps}; use 2..1000.");
        }
        if (GraceRequests is < 0)
        {
            problems.Add("grace requests must not be negative.");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid cache bench options: " + string.Join(" ", problems));
        }
        return this;
    }
}

using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.Slo;

/// <summary>
/// <c>bench slo</c>'s workload: Poisson arrivals of a realistic mix at each load (a multiple of the engine's
/// capacity), replayed once per policy. The mix: the cache trace's hit/miss mix (docs/cache-bench.json: 60 % K 10
/// hits, 24 % K 15, 12 % K 25, 4 % misses, in 50-step units), <see cref="ExpandShare"/> with a prompt expansion first,
/// <see cref="BatchShare"/> batch class.
/// </summary>
public sealed record SloBenchOptions
{
    public int RequestsPerPoint { get; init; } = 40;

    /// <summary>Runs per policy and load, each with its own seeded arrivals and mix (<see cref="Seed"/> + the repeat).</summary>
    public int Repeats { get; init; } = 1;

    public IReadOnlyList<double> Loads { get; init; } = [0.5, 0.75, 1.0, 1.25, 1.5];

    public int Steps { get; init; } = 50;

    public double ExpandShare { get; init; } = 0.3;

    public double BatchShare { get; init; } = 0.2;

    /// <summary>Skipped steps of 50 and their shares: the recorded cache bench's hits by K, the rest misses.</summary>
    public IReadOnlyList<(int K, double Share)> HitMix { get; init; } = [(10, 955 / 1600.0), (15, 385 / 1600.0), (25, 193 / 1600.0)];

    public int ExpansionTokens { get; init; } = 24;

    public int MaxDiffusionBatch { get; init; } = 8;

    public ulong Seed { get; init; } = 19;

    public SloBenchOptions Validate()
    {
        if (RequestsPerPoint < 4 || Repeats is < 1 or > 20 || Loads.Count == 0 || Loads.Any(l => l is <= 0 or > 10) || Steps is < 2 or > 150
            || ExpandShare is < 0 or > 1 || BatchShare is < 0 or > 1 || HitMix.Sum(h => h.Share) > 1 || ExpansionTokens < 1)
        {
            throw new ArgumentException("bench slo: requests ≥ 4, repeats 1..20, loads in (0, 10], steps 2..150, shares in [0, 1], hit shares summing to at most 1.");
        }
        return this;
    }

    /// <summary>The policies compared, request-level FCFS first (the baseline).</summary>
    public IReadOnlyList<(string Name, SchedulerOptions Scheduler)> Policies() => Policies(MaxDiffusionBatch);

    public static IReadOnlyList<(string Name, SchedulerOptions Scheduler)> Policies(int maxBatch) =>
    [
        ("request-fcfs", new SchedulerOptions { Batching = BatchingMode.RequestLevel, MaxDiffusionBatch = maxBatch }),
        ("iteration-fcfs", new SchedulerOptions { MaxDiffusionBatch = maxBatch }),
        ("edf", new SchedulerOptions { Policy = SchedulingPolicy.EarliestDeadline, MaxDiffusionBatch = maxBatch }),
        ("least-slack", new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = maxBatch, MaxResidentDiffusion = 2 * maxBatch }),
        ("cache-aware", new SchedulerOptions { Policy = SchedulingPolicy.CacheAware, MaxDiffusionBatch = maxBatch, MaxResidentDiffusion = 2 * maxBatch }),
    ];
}

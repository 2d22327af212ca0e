using Diffusion.Cache.Adaptive;

namespace Diffusion.Server.Api.Contracts;

/// <summary>The numbers of /metrics as JSON, for the dashboard.</summary>
public sealed record MetricsResponse(
    IReadOnlyList<RequestCount> Requests,
    GenerationStats Generation,
    QueueStats Queue,
    CacheStats Cache,
    JobStats Jobs,
    long ImagesStored)
{
    /// <summary>The shared engine's memory and batching; null when the service runs without the engine.</summary>
    public EngineMetrics? Engine { get; init; }

    /// <summary>Generated images by service class: how many met their due time, missed it, or had none (batch work).</summary>
    public IReadOnlyDictionary<string, SloClassStats>? Slo { get; init; }
}

public sealed record SloClassStats(long Met, long Missed, long None)
{
    /// <summary>Met over met and missed; null before any image with a due time.</summary>
    public double? Attainment => Met + Missed == 0 ? null : Math.Round((double)Met / (Met + Missed), 4);
}

public sealed record RequestCount(string Route, string Method, int Status, long Count);

/// <summary>Percentiles are over the last (up to) 256 generations; null before the first.</summary>
public sealed record GenerationStats(
    long Count, double SumS, double MeanS, double? P50S, double? P95S, double? P99S,
    IReadOnlyDictionary<string, long> ByOutcome);

public sealed record QueueStats(int Depth, int Capacity, int InFlight, long Rejected);

/// <summary><paramref name="HitsByK"/>: hits by the K they skipped, K as text, in numeric order.</summary>
public sealed record CacheStats(long Hits, long Misses, double HitRate, long StepsSkipped, IReadOnlyDictionary<string, long> HitsByK)
{
    /// <summary>Denoising steps the generated images asked for (run or skipped).</summary>
    public long StepsRequested { get; init; }

    /// <summary>What the skipped steps would have cost, each hit's K at its own run's time per step.</summary>
    public double SecondsSaved { get; init; }

    /// <summary>Denoiser calls saved by mechanism: <c>cross_request</c> (steps hits skipped), <c>within_request</c> (steps on a reused output).</summary>
    public IReadOnlyDictionary<string, long>? ModelCallsSaved { get; init; }

    /// <summary>What the adaptive K table has learned; null when the table is fixed.</summary>
    public AdaptiveKSnapshot? AdaptiveK { get; init; }

    /// <summary>The latent store's state; null when the service runs without a cache.</summary>
    public CacheStoreMetrics? Store { get; init; }
}

public sealed record CacheStoreMetrics(long UsedBytes, long MaxBytes, int Entries, int Latents, long Evictions, long WritesFailed,
    long CorruptDiscarded);

/// <summary>The engine's paged block pool (LLM KV blocks and latents share it) and its iteration batches.</summary>
public sealed record EngineMetrics(EngineMemoryMetrics Memory, EngineSchedulerMetrics Scheduler, int Waiting, int Running);

public sealed record EngineMemoryMetrics(int TotalBlocks, int UsedBlocks, int SharedBlocks, long PrefixHitTokens, long SharingSavedSlots,
    double KvWaste);

public sealed record EngineSchedulerMetrics(long Iterations, long DiffusionBatchJobs, double MeanDiffusionBatch, long LlmBatchSequences,
    double MeanLlmBatchSequences, double MeanLlmBatchTokens, long GeneratedTokens, long DiffusionSteps, long Preemptions);

public sealed record JobStats(int Active, int Retained);

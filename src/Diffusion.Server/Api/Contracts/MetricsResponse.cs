namespace Diffusion.Server.Api.Contracts;

/// <summary>The numbers of /metrics as JSON, for the dashboard.</summary>
public sealed record MetricsResponse(
    IReadOnlyList<RequestCount> Requests,
    GenerationStats Generation,
    QueueStats Queue,
    CacheStats Cache,
    JobStats Jobs,
    long ImagesStored);

public sealed record RequestCount(string Route, string Method, int Status, long Count);

/// <summary>Percentiles are over the last (up to) 256 generations; null before the first.</summary>
public sealed record GenerationStats(
    long Count, double SumS, double MeanS, double? P50S, double? P95S, double? P99S,
    IReadOnlyDictionary<string, long> ByOutcome);

public sealed record QueueStats(int Depth, int Capacity, int InFlight, long Rejected);

/// <summary><paramref name="HitsByK"/>: hits by the K they skipped, K as text, in numeric order.</summary>
public sealed record CacheStats(long Hits, long Misses, double HitRate, long StepsSkipped, IReadOnlyDictionary<string, long> HitsByK)
{
    /// <summary>The latent store's state; null when the service runs without a cache.</summary>
    public CacheStorageStats? Storage { get; init; }
}

public sealed record CacheStorageStats(long Bytes, long MaxBytes, int Entries, int Latents, long Evictions, long WritesFailed, long CorruptDiscarded);

public sealed record JobStats(int Active, int Retained);

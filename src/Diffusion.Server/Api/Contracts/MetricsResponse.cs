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

public sealed record GenerationStats(
    long Count, double SumS, double MeanS, double? P50S, double? P95S,
    IReadOnlyDictionary<string, long> ByOutcome);

public sealed record QueueStats(int Depth, int Capacity, int InFlight, long Rejected);

public sealed record CacheStats(long Hits, long Misses, double HitRate, long StepsSkipped);

public sealed record JobStats(int Active, int Retained);

namespace Diffusion.Replay.Metrics;

/// <summary>The server counters the replay can match against its own counts, by a stable name of its own.</summary>
public static class CounterNames
{
    /// <summary>POST /v1/images/generations answers of any status.</summary>
    public const string GenerationRequests = "generation_requests";
    public const string GenerationRequestsOk = "generation_requests_200";
    public const string GenerationRequests429 = "generation_requests_429";
    public const string GenerationsSucceeded = "generations_succeeded";
    public const string QueueRejections = "queue_rejections";
    public const string ImagesStored = "images_stored";
    public const string CacheLookups = "cache_lookups";
    public const string CacheHits = "cache_hits";
    public const string CacheMisses = "cache_misses";
    public const string CacheStepsSkipped = "cache_steps_skipped";

    public const string GenerationsRoute = "/v1/images/generations";
}

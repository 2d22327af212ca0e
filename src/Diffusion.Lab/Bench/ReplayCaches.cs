using Diffusion.Cache;
using Diffusion.CacheStore;

namespace Diffusion.Lab.Bench;

/// <summary>How every replay of the lab (bench cache, eval cache, eval adaptive-k) opens its cache.</summary>
public static class ReplayCaches
{
    /// <summary>
    /// A cache over a fresh local store under <paramref name="directory"/> with the run's budget and eviction policy,
    /// whose ages and grace period follow the replay's trace clock.
    /// </summary>
    public static Task<ApproximateCache> OpenAsync(ApproximateCacheOptions cacheOptions, string directory, ByteSize budget, int latentLength,
        string policy, TimeSpan grace, ReplayClock clock, CancellationToken cancellationToken)
    {
        var storeOptions = new CacheStoreOptions
        {
            DataDirectory = directory,
            MaxBytes = budget,
            MaxLatentElements = latentLength,
            EvictionPolicy = policy,
            GracePeriod = grace,
        };
        return ApproximateCache.OpenLocalAsync(cacheOptions, storeOptions, clock, null, cancellationToken);
    }
}

using Diffusion.Cache;
using Diffusion.Cache.Generation;
using Diffusion.CacheStore;

namespace Diffusion.Server.Caching;

/// <summary>
/// What opening the cache gave the service: the generator over the approximate cache, and a shared cache's
/// Redis connection, which the cache does not own. Closed in that order: the generator's queued work, the
/// cache (its writes, the saved index), then the connection those writes went through.
/// </summary>
public sealed class OpenedCache(CachedGenerator generator, RedisConnection? redis = null) : IAsyncDisposable
{
    public CachedGenerator Generator { get; } = generator ?? throw new ArgumentNullException(nameof(generator));

    public ApproximateCache Cache => Generator.Cache;

    public async ValueTask DisposeAsync()
    {
        await Generator.DisposeAsync().ConfigureAwait(false);
        await Cache.DisposeAsync().ConfigureAwait(false);
        if (redis is not null)
        {
            await redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}

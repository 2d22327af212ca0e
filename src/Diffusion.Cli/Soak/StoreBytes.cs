using StackExchange.Redis;

namespace Diffusion.Cli.Soak;

/// <summary>
/// The bytes the running store holds, measured from outside the service: the files under
/// {data-dir}/cache for the files store, the latent values in Redis for the shared one.
/// </summary>
public sealed class StoreBytes(string cacheDirectory, IConnectionMultiplexer? redis)
{
    /// <summary>Null when the store cannot be measured now (Redis down).</summary>
    public long? Measure(SoakStore store)
    {
        if (store != SoakStore.Redis) return DiskBudget.DirectoryBytes(cacheDirectory);
        if (redis is not { IsConnected: true }) return null;
        try
        {
            var database = redis.GetDatabase();
            long total = 0;
            foreach (var key in RedisLatentCorruptor.LatentKeys(redis)) total += database.StringLength(key);
            return total;
        }
        catch (RedisException)
        {
            return null;
        }
    }
}

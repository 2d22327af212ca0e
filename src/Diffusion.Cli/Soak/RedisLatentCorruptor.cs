using StackExchange.Redis;

namespace Diffusion.Cli.Soak;

/// <summary>
/// Damages latents the shared store keeps in Redis (key <c>{prefix}{tenant}:latent:{id}:k{K}</c>, value
/// byte-for-byte a .dlat file). Writes only over a key that still exists, so an evicted latent is not brought back.
/// </summary>
public sealed class RedisLatentCorruptor(IConnectionMultiplexer redis, string keyPrefix = RedisLatentCorruptor.DefaultPrefix) : ILatentCorruptor
{
    public const string DefaultPrefix = "diffusion:cache:";

    public string Store => "redis";

    public async Task<Corruption?> CorruptAsync(bool truncate, Random random, SoakClock clock, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected) return null;
        try
        {
            var keys = LatentKeys(redis, keyPrefix).ToArray();
            var database = redis.GetDatabase();
            for (var attempt = 0; attempt < 5 && keys.Length > 0; attempt++)
            {
                var key = keys[random.Next(keys.Length)];
                if (!TryParseKey(key, keyPrefix, out var tenant, out var entry, out var k)) continue;
                byte[]? blob = await database.StringGetAsync(key);
                if (blob is null) continue;
                var (damaged, what) = truncate ? LatentDamage.Truncate(blob) : LatentDamage.Flip(blob, random);
                if (!await database.StringSetAsync(key, damaged, when: When.Exists)) continue;
                var latent = new CorruptedLatent(tenant, entry, k, clock.Seconds, truncate ? FaultKinds.TruncateLatent : FaultKinds.CorruptLatent, Store);
                return new Corruption(latent, $"redis {key}: {what}");
            }
        }
        catch (RedisException)
        {
            // Redis went away meanwhile (an outage): nothing damaged
        }
        return null;
    }

    /// <summary>Every latent key, by SCAN (never KEYS, which blocks the server).</summary>
    public static IEnumerable<string> LatentKeys(IConnectionMultiplexer redis, string keyPrefix = DefaultPrefix)
    {
        var server = redis.GetServers().FirstOrDefault(s => s.IsConnected);
        return server is null ? [] : server.Keys(pattern: $"{keyPrefix}*:latent:*", pageSize: 500).Select(k => (string)k!);
    }

    public static bool TryParseKey(string key, string keyPrefix, out string tenant, out string entry, out int k)
    {
        tenant = entry = "";
        k = 0;
        if (!key.StartsWith(keyPrefix, StringComparison.Ordinal)) return false;
        var parts = key[keyPrefix.Length..].Split(':');
        if (parts.Length != 4 || parts[1] != "latent" || !parts[3].StartsWith('k')) return false;
        tenant = parts[0];
        entry = parts[2];
        return int.TryParse(parts[3].AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out k);
    }
}

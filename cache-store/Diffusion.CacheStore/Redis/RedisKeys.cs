using System.Globalization;
using StackExchange.Redis;

namespace Diffusion.CacheStore;

/// <summary>
/// The Redis key layout (see cache-store/FORMAT.md). Every tenant's keys start with "{prefix}{tenant}:",
/// so tenants never share a key; the tenant registry and the update stream sit beside them.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Tenants => $"{Prefix}tenants";

    public RedisKey Events => $"{Prefix}events";

    /// <summary>The bytes every tenant's latents take together (the shared byte budget's counter).</summary>
    public RedisKey LatentBytes => $"{Prefix}latent-bytes";

    public RedisKey Entry(CacheEntryKey key) => $"{Prefix}{key.Tenant}:entry:{key.Id}";

    public RedisKey Entries(TenantId tenant) => $"{Prefix}{tenant}:entries";

    public RedisKey Lcbfu(TenantId tenant) => $"{Prefix}{tenant}:lcbfu";

    public RedisKey Latent(LatentKey key) => $"{Prefix}{key.Tenant}:latent:{key.Id}:k{key.K.ToString(CultureInfo.InvariantCulture)}";

    public string LatentPattern => $"{Prefix}*:latent:*";

    /// <summary>The sorted-set member of one latent: "{id}:{K}".</summary>
    public static RedisValue Member(LatentKey key) => $"{key.Id}:{key.K.ToString(CultureInfo.InvariantCulture)}";

    public bool TryParseLatent(string key, out LatentKey latent)
    {
        latent = default;
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        string[] parts = key[Prefix.Length..].Split(':');
        if (parts.Length != 4 || parts[1] != "latent" || !parts[3].StartsWith('k')
            || !TenantId.TryParse(parts[0], out var tenant) || !CacheEntryId.TryParse(parts[2], out var id)
            || !int.TryParse(parts[3].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1)
        {
            return false;
        }
        latent = new LatentKey(new CacheEntryKey(tenant, id), k);
        return true;
    }
}

using Diffusion.Cache;
using Diffusion.CacheStore;
using Diffusion.Server.Options;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Identity;

/// <summary>
/// Who is in the cache's shared pool (the tenants whose keys have cache scope shared) and how the pool is defended
/// (<see cref="ServerOptions.SharedPoolDefences"/>): corroboration before another tenant's entry serves, the source
/// hidden in responses, and a shared hit's latency padded to a miss's. The threat model: docs/reliability.md.
/// </summary>
public sealed class SharedPoolPolicy
{
    private readonly SharedPool? pool;

    public SharedPoolPolicy(ApiKeyRing keys, IOptions<ServerOptions> options)
    {
        Defended = options.Value.SharedPoolDefences;
        var members = keys.SharedTenants;
        pool = members.Count < 2 ? null : new SharedPool(members, Defended ? options.Value.SharedPoolCorroboration : 1);
    }

    /// <summary>Whether shared hits are corroborated, hidden and padded.</summary>
    public bool Defended { get; }

    /// <summary>The pool a request of <paramref name="tenant"/> may start from, or null (private scope, or no pool).</summary>
    public SharedPool? For(TenantId tenant, CacheScope scope) =>
        scope == CacheScope.Shared && pool is not null && pool.Includes(tenant) ? pool : null;
}

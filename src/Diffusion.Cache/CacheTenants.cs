using System.Security.Cryptography;
using System.Text;
using Diffusion.CacheStore;

namespace Diffusion.Cache;

/// <summary>Maps the API's <c>user</c> (or API key) to the tenant that partitions the cache.</summary>
public static class CacheTenants
{
    /// <summary>
    /// No user → the default tenant; a user that is already a valid tenant id (lower-case letters, digits,
    /// '_', '-', up to 64) → itself; anything else → "u-" and 16 hex digits of its SHA-256, so any string
    /// (an e-mail, an API key) gets a stable tenant without being stored in clear.
    /// </summary>
    public static TenantId FromUser(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return TenantId.Default;
        }
        if (TenantId.TryParse(user, out var tenant))
        {
            return tenant;
        }
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(user));
        return new TenantId("u-" + Convert.ToHexStringLower(digest)[..16]);
    }
}

using System.Security.Cryptography;
using System.Text;
using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Server.Identity;

/// <summary>
/// One API key as the server keeps it: the SHA-256 of the key (never the key), the tenant it acts for,
/// its role and cache scope, the service level its requests get when they name none, and a short public id to
/// name it in logs and in <c>keys revoke</c>.
/// </summary>
public sealed record ApiKeyEntry(string Id, TenantId Tenant, ApiRole Role, CacheScope Scope, string Sha256)
{
    /// <summary>The SLO class of the tenant's requests that state neither <c>slo</c> nor <c>deadline_ms</c>.</summary>
    public SloClass DefaultSlo { get; init; } = SloClass.Interactive;

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random key: "dk-" and 43 URL-safe characters (256 bits).</summary>
    public static string NewKey() =>
        "dk-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A public id derived from the hash, so the same key always has the same id.</summary>
    public static string IdFor(string sha256) => "key_" + sha256[..12];

    public static ApiKeyEntry ForKey(string key, TenantId tenant, ApiRole role, CacheScope scope, SloClass defaultSlo = SloClass.Interactive)
    {
        var hash = Hash(key);
        return new ApiKeyEntry(IdFor(hash), tenant, role, scope, hash) { DefaultSlo = defaultSlo };
    }
}

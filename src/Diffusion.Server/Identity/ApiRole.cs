namespace Diffusion.Server.Identity;

/// <summary>What a key may do: a user generates and reads its own tenant's work; an admin also operates the service.</summary>
public enum ApiRole
{
    User,
    Admin,
}

/// <summary>Which cache entries a tenant's requests may start from.</summary>
public enum CacheScope
{
    /// <summary>Only the tenant's own entries (the default).</summary>
    Private,

    /// <summary>Also the shared pool: other opted-in tenants' entries, under the pool's defences (docs/reliability.md).</summary>
    Shared,
}

public static class ApiRoles
{
    public static string ToName(this ApiRole role) => role == ApiRole.Admin ? "admin" : "user";

    public static string ToName(this CacheScope scope) => scope == CacheScope.Shared ? "shared" : "private";

    public static bool TryParseRole(string? text, out ApiRole role)
    {
        role = text switch { "admin" => ApiRole.Admin, _ => ApiRole.User };
        return text is "user" or "admin";
    }

    public static bool TryParseScope(string? text, out CacheScope scope)
    {
        scope = text switch { "shared" => CacheScope.Shared, _ => CacheScope.Private };
        return text is "private" or "shared";
    }
}

using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Server.Identity;

/// <summary>
/// Keys given in clear in one setting (<c>DIFFUSION_API_KEYS</c> or <c>Server:ApiKeys</c>), for deployments that
/// inject secrets as environment variables: entries separated by ';', each <c>tenant:key</c>,
/// <c>tenant:role:key</c>, <c>tenant:role:scope:key</c> or <c>tenant:role:scope:slo:key</c> (role user|admin, scope
/// private|shared, slo interactive|batch: the class of requests that name none).
/// They are hashed when read and never kept in clear.
/// </summary>
public static class ApiKeyText
{
    public const string Format = "tenant[:role[:scope[:slo]]]:key, separated by ';' (role user|admin, scope private|shared, slo interactive|batch)";

    public static IReadOnlyList<ApiKeyEntry> Parse(string? text)
    {
        var entries = new List<ApiKeyEntry>();
        var index = 0;
        foreach (var item in (text ?? "").Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var where = $"API key entry {index++} ({Format})";
            var parts = item.Split(':');
            if (parts.Length is < 2 or > 5)
                throw new InvalidDataException($"{where} has {parts.Length} ':'-separated fields");
            if (!TenantId.TryParse(parts[0], out var tenant))
                throw new InvalidDataException($"{where}: tenant '{parts[0]}' must be 1-64 of a-z 0-9 _ -");
            var role = ApiRole.User;
            if (parts.Length >= 3 && !ApiRoles.TryParseRole(parts[1], out role))
                throw new InvalidDataException($"{where}: role '{parts[1]}' must be user or admin");
            var scope = CacheScope.Private;
            if (parts.Length >= 4 && !ApiRoles.TryParseScope(parts[2], out scope))
                throw new InvalidDataException($"{where}: scope '{parts[2]}' must be private or shared");
            var slo = SloClass.Interactive;
            if (parts.Length == 5 && !ServiceLevel.TryParseClass(parts[3], out slo))
                throw new InvalidDataException($"{where}: slo '{parts[3]}' must be interactive or batch");
            var key = parts[^1];
            if (key.Length < 16)
                throw new InvalidDataException($"{where}: the key is {key.Length} characters; use at least 16 (./run.sh keys add makes one)");
            entries.Add(ApiKeyEntry.ForKey(key, tenant, role, scope, slo));
        }
        return entries;
    }
}

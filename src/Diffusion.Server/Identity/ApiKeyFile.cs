using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Server.Identity;

/// <summary>
/// The keys file (<c>{data-dir}/api-keys.json</c> by default): keys hashed at rest, one object per key.
/// <c>./run.sh keys add</c> writes it; the server reads it at start-up.
/// <code>{"keys":[{"id":"key_3f…","tenant":"alice","role":"user","cache_scope":"private","slo":"interactive","sha256":"…"}]}</code>
/// <c>slo</c> (interactive when absent) is the class of the tenant's requests that name none.
/// </summary>
public static class ApiKeyFile
{
    public const string DefaultName = "api-keys.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Reads a keys file; <see cref="InvalidDataException"/> names the file and the entry when something is wrong.</summary>
    public static IReadOnlyList<ApiKeyEntry> Load(string path)
    {
        FileModel? model;
        try
        {
            model = JsonSerializer.Deserialize<FileModel>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the API keys file {path} is not valid JSON: {ex.Message}");
        }
        var entries = new List<ApiKeyEntry>();
        var index = 0;
        foreach (var row in model?.Keys ?? [])
        {
            var where = $"the API keys file {path}, entry {index++}";
            if (!TenantId.TryParse(row.Tenant, out var tenant))
                throw new InvalidDataException($"{where}: tenant '{row.Tenant}' must be 1-64 of a-z 0-9 _ -");
            if (!ApiRoles.TryParseRole(row.Role ?? "user", out var role))
                throw new InvalidDataException($"{where}: role '{row.Role}' must be user or admin");
            if (!ApiRoles.TryParseScope(row.CacheScope ?? "private", out var scope))
                throw new InvalidDataException($"{where}: cache_scope '{row.CacheScope}' must be private or shared");
            if (!ServiceLevel.TryParseClass(row.Slo ?? "interactive", out var slo))
                throw new InvalidDataException($"{where}: slo '{row.Slo}' must be interactive or batch");
            if (row.Sha256 is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigitLower))
                throw new InvalidDataException($"{where}: sha256 must be 64 lower-case hex digits (the key's SHA-256)");
            entries.Add(new ApiKeyEntry(row.Id ?? ApiKeyEntry.IdFor(hash), tenant, role, scope, hash) { DefaultSlo = slo });
        }
        return entries;
    }

    /// <summary>Adds an entry, creating the file if needed; written to a temporary file and renamed, so a crash leaves the old file.</summary>
    public static void Append(string path, ApiKeyEntry entry)
    {
        var existing = File.Exists(path) ? Load(path) : [];
        Save(path, [.. existing, entry]);
    }

    /// <summary>Removes the entry with <paramref name="id"/>; false when there is none.</summary>
    public static bool Remove(string path, string id)
    {
        var existing = File.Exists(path) ? Load(path) : [];
        var kept = existing.Where(e => e.Id != id).ToList();
        if (kept.Count == existing.Count) return false;
        Save(path, kept);
        return true;
    }

    private static void Save(string path, IEnumerable<ApiKeyEntry> entries)
    {
        var model = new FileModel(entries.Select(e => new Row(e.Id, e.Tenant.Value, e.Role.ToName(), e.Scope.ToName(), ServiceLevel.Name(e.DefaultSlo), e.Sha256)).ToList());
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(model, Json));
        File.Move(temp, path, overwrite: true);
    }

    private sealed record FileModel(List<Row>? Keys);

    private sealed record Row(
        string? Id,
        string? Tenant,
        string? Role,
        [property: JsonPropertyName("cache_scope")] string? CacheScope,
        string? Slo,
        string? Sha256);
}

using Diffusion.Server.Options;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Identity;

/// <summary>
/// The keys the server accepts, loaded once at start-up from the keys file and the clear-text setting.
/// Empty means the service is open (loopback only; see <see cref="ExposureCheck"/>).
/// </summary>
public sealed class ApiKeyRing
{
    private readonly Dictionary<string, ApiKeyEntry> byHash;

    public ApiKeyRing(IEnumerable<ApiKeyEntry> entries)
    {
        byHash = new Dictionary<string, ApiKeyEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (byHash.TryGetValue(entry.Sha256, out var other) && other != entry)
                throw new InvalidDataException($"API key {entry.Id} is configured twice with different tenants or roles ({other.Tenant}, {entry.Tenant})");
            byHash[entry.Sha256] = entry;
        }
    }

    /// <summary>Reads <see cref="ServerOptions.ApiKeys"/> and the keys file (<see cref="ServerOptions.ApiKeysFilePath"/>) when it exists.</summary>
    public ApiKeyRing(IOptions<ServerOptions> options) : this(Read(options.Value))
    {
    }

    public bool IsOpen => byHash.Count == 0;

    public int Count => byHash.Count;

    /// <summary>Tenants with at least one key of cache scope shared: the shared pool's members.</summary>
    public IReadOnlySet<Diffusion.CacheStore.TenantId> SharedTenants =>
        byHash.Values.Where(e => e.Scope == CacheScope.Shared).Select(e => e.Tenant).ToHashSet();

    public IReadOnlyCollection<string> Tenants => byHash.Values.Select(e => e.Tenant.Value).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The entry of a presented key, or null. Looked up by the key's SHA-256, so lookup time depends on the hash,
    /// never on how many leading characters of a real key an attacker guessed.
    /// </summary>
    public ApiKeyEntry? Find(string presentedKey) => byHash.GetValueOrDefault(ApiKeyEntry.Hash(presentedKey));

    private static IEnumerable<ApiKeyEntry> Read(ServerOptions options)
    {
        var entries = new List<ApiKeyEntry>(ApiKeyText.Parse(options.ApiKeys));
        var path = options.ApiKeysFilePath;
        if (File.Exists(path)) entries.AddRange(ApiKeyFile.Load(path));
        else if (!string.IsNullOrEmpty(options.ApiKeysFile))
            throw new FileNotFoundException($"the API keys file {path} (Server:ApiKeysFile) does not exist; create it with ./run.sh keys add", path);
        return entries;
    }
}

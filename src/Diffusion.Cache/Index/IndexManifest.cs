using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Index;

/// <summary>
/// The sidecar of a saved FAISS index ({partition}.json beside {partition}.faiss): what it holds, so a
/// start can tell whether it still matches the store. The index file is written first, the manifest
/// last, both atomically; a crash between them leaves a manifest that no longer matches, hence a rebuild.
/// </summary>
internal sealed record IndexManifest(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("partition")] string Partition,
    [property: JsonPropertyName("factory")] string Factory,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("ids_sha256")] string IdsHash)
{
    public const int CurrentFormat = 1;

    /// <summary>SHA-256 of the sorted ids (8 bytes little-endian each): equal exactly when the id sets are.</summary>
    public static string HashIds(IEnumerable<long> ids)
    {
        var sorted = ids.Order().ToArray();
        var bytes = new byte[sorted.Length * sizeof(long)];
        for (var i = 0; i < sorted.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(long)), sorted[i]);
        }
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    public static IndexManifest? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<IndexManifest>(File.ReadAllBytes(path));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(string path)
    {
        AtomicFile.Write(path, file => JsonSerializer.Serialize(file, this));
    }
}

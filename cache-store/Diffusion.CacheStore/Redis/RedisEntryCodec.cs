using System.Globalization;
using StackExchange.Redis;

namespace Diffusion.CacheStore;

/// <summary>Entry metadata as the fields of one Redis hash (layout in cache-store/FORMAT.md).</summary>
internal static class RedisEntryCodec
{
    public const string ImageEmbeddingField = "image_embedding";
    public const string LastUsedField = "last_used_ms";
    public const string CreatedField = "created_ms";
    public const string LineageField = "lineage";

    public static string BytesField(int k) => $"k{k.ToString(CultureInfo.InvariantCulture)}:bytes";

    public static string HitsField(int k) => $"k{k.ToString(CultureInfo.InvariantCulture)}:hits";

    public static string StoredField(int k) => $"k{k.ToString(CultureInfo.InvariantCulture)}:stored_ms";

    public static string UsedField(int k) => $"k{k.ToString(CultureInfo.InvariantCulture)}:used_ms";

    public static RedisValue[] LatentFields(int k) => [BytesField(k), HitsField(k), StoredField(k), UsedField(k)];

    public static HashEntry[] Encode(CacheEntryMetadata entry, StoredLatentInfo latent)
    {
        var e = entry.Entry;
        var fields = new List<HashEntry>
        {
            new("prompt", e.Prompt),
            new("text_embedding", EmbeddingCodec.Encode(e.TextEmbedding)),
            new("seed", e.Seed),
            new("model_id", e.ModelId),
            new("width", e.Size.Width),
            new("height", e.Size.Height),
            new("scheduler", e.SchedulerFamily),
            new("steps", e.Steps),
            new("guidance", e.Guidance.ToString("R", CultureInfo.InvariantCulture)),
            new(LastUsedField, Ms(entry.LastUsed)),
            new(BytesField(latent.K), latent.Bytes),
            new(HitsField(latent.K), latent.Hits),
            new(StoredField(latent.K), Ms(latent.StoredAt)),
            new(UsedField(latent.K), Ms(latent.LastUsed)),
        };
        if (entry.ImageEmbedding is not null)
        {
            fields.Add(new(ImageEmbeddingField, EmbeddingCodec.Encode(entry.ImageEmbedding)));
        }
        if (e.Lineage.Count > 0)
        {
            fields.Add(new(LineageField, LineageCodec.Encode(e.Lineage)));
        }
        return [.. fields];
    }

    /// <summary>Rebuilds an entry from its hash; null when required fields are missing or malformed.</summary>
    public static CacheEntryMetadata? Decode(CacheEntryKey key, HashEntry[] hash)
    {
        try
        {
            return DecodeFields(key, hash);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static CacheEntryMetadata? DecodeFields(CacheEntryKey key, HashEntry[] hash)
    {
        if (hash.Length == 0)
        {
            return null;
        }
        var fields = hash.ToDictionary(h => h.Name.ToString(), h => h.Value);
        if (!fields.TryGetValue("prompt", out var prompt) || !fields.TryGetValue("text_embedding", out var text)
            || !TryLong(fields, "seed", out long seed) || !fields.TryGetValue("model_id", out var model)
            || !TryLong(fields, "width", out long width) || !TryLong(fields, "height", out long height)
            || !fields.TryGetValue("scheduler", out var scheduler) || !TryLong(fields, "steps", out long steps)
            || !fields.TryGetValue("guidance", out var guidanceText)
            || !float.TryParse(guidanceText.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out float guidance)
            || !TryLong(fields, CreatedField, out long created))
        {
            return null;
        }
        var latents = new List<StoredLatentInfo>();
        foreach (string name in fields.Keys)
        {
            if (name.StartsWith('k') && name.EndsWith(":bytes", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(1, name.Length - 1 - ":bytes".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int k)
                && TryLong(fields, BytesField(k), out long bytes) && TryLong(fields, StoredField(k), out long stored))
            {
                long hits = TryLong(fields, HitsField(k), out long h) ? h : 0;
                long used = TryLong(fields, UsedField(k), out long u) ? u : stored;
                latents.Add(new StoredLatentInfo(k, bytes, hits, FromMs(stored), FromMs(used)));
            }
        }
        latents.Sort((a, b) => a.K.CompareTo(b.K));
        var descriptor = new CacheEntryDescriptor
        {
            Key = key,
            Prompt = prompt.ToString(),
            TextEmbedding = EmbeddingCodec.Decode((byte[])text!),
            Seed = seed,
            ModelId = model.ToString(),
            Size = new ImageSize((int)width, (int)height),
            SchedulerFamily = scheduler.ToString(),
            Steps = (int)steps,
            Guidance = guidance,
            Lineage = fields.TryGetValue(LineageField, out var lineage) ? LineageCodec.Decode((byte[])lineage!) : [],
        };
        float[]? image = fields.TryGetValue(ImageEmbeddingField, out var imageBytes) ? EmbeddingCodec.Decode((byte[])imageBytes!) : null;
        long lastUsed = TryLong(fields, LastUsedField, out long l) ? l : created;
        return new CacheEntryMetadata(descriptor, image, FromMs(created), FromMs(lastUsed), latents);
    }

    public static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static bool TryLong(Dictionary<string, RedisValue> fields, string name, out long value)
    {
        value = 0;
        return fields.TryGetValue(name, out var raw) && long.TryParse(raw.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}

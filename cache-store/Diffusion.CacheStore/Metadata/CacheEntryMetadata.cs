namespace Diffusion.CacheStore;

/// <summary>One stored latent of an entry: its size on the device and how it has been used.</summary>
public sealed record StoredLatentInfo(int K, long Bytes, long Hits, DateTimeOffset StoredAt, DateTimeOffset LastUsed);

/// <summary>A snapshot of one prompt entry: its descriptor, image embedding, times and stored latents (by K, ascending).</summary>
public sealed record CacheEntryMetadata(
    CacheEntryDescriptor Entry,
    float[]? ImageEmbedding,
    DateTimeOffset Created,
    DateTimeOffset LastUsed,
    IReadOnlyList<StoredLatentInfo> Latents)
{
    public CacheEntryKey Key => Entry.Key;

    public long TotalBytes => Latents.Sum(l => l.Bytes);

    /// <summary>Per-K hit counts (the "frequency" of LCBFU).</summary>
    public IReadOnlyDictionary<int, long> HitsByK => Latents.ToDictionary(l => l.K, l => l.Hits);
}

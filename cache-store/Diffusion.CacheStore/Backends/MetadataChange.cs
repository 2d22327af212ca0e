namespace Diffusion.CacheStore;

public enum MetadataChangeKind
{
    /// <summary>A latent was stored; <see cref="MetadataChange.Entry"/> carries the entry and <see cref="MetadataChange.Latent"/> the latent.</summary>
    LatentAdded,
    /// <summary>A latent was evicted or discarded.</summary>
    LatentRemoved,
    /// <summary>A latent was used: <see cref="MetadataChange.Hits"/> more hits at <see cref="MetadataChange.At"/>.</summary>
    Touched,
    /// <summary>The entry's image embedding was set (<see cref="MetadataChange.ImageEmbedding"/>).</summary>
    ImageEmbeddingSet,
}

/// <summary>One change another instance made, as replayed from a shared backend's update stream.</summary>
public sealed record MetadataChange(
    MetadataChangeKind Kind,
    CacheEntryKey Key,
    int K,
    DateTimeOffset At,
    long Hits = 0,
    CacheEntryMetadata? Entry = null,
    StoredLatentInfo? Latent = null,
    float[]? ImageEmbedding = null);

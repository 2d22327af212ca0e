namespace Diffusion.CacheStore;

/// <summary>Whether a metadata operation reached its backend. Failures are reported, never thrown.</summary>
public enum MetadataStatus
{
    Ok,
    /// <summary>The backend could not be reached in time (or refused); the caller carries on locally.</summary>
    Unavailable,
}

/// <summary>Hits on one latent to add to its persisted frequency count.</summary>
public readonly record struct HitDelta(LatentKey Key, long Hits, DateTimeOffset LastUsed);

/// <summary>The entries a backend holds, or why it could not say.</summary>
public sealed record MetadataLoadResult(MetadataStatus Status, IReadOnlyList<CacheEntryMetadata> Entries)
{
    public static MetadataLoadResult Unavailable { get; } = new(MetadataStatus.Unavailable, []);
}

/// <summary>
/// Persists entry metadata and per-latent statistics. The store writes a latent before its metadata and
/// removes metadata before the latent, so a crash leaves at most a latent without metadata (deleted on
/// recovery) or, after outside loss, metadata without a latent (dropped on recovery).
/// </summary>
public interface ICacheMetadataBackend : IAsyncDisposable
{
    /// <summary>True when several store instances share this backend (Redis) and see each other's changes.</summary>
    bool IsShared { get; }

    /// <summary>Every entry with its stored latents. Also marks where <see cref="WatchAsync"/> begins.</summary>
    ValueTask<MetadataLoadResult> LoadAllAsync(CancellationToken cancellationToken);

    /// <summary>Records a stored latent, creating the entry (from <paramref name="entry"/>) if it is new.</summary>
    ValueTask<MetadataStatus> PutLatentAsync(CacheEntryMetadata entry, StoredLatentInfo latent, CancellationToken cancellationToken);

    /// <summary>Forgets one latent of an entry.</summary>
    ValueTask<MetadataStatus> RemoveLatentAsync(LatentKey key, CancellationToken cancellationToken);

    /// <summary>Forgets an entry and anything left of it.</summary>
    ValueTask<MetadataStatus> RemoveEntryAsync(CacheEntryKey key, CancellationToken cancellationToken);

    /// <summary>Adds hit counts (frequency) and last-use times.</summary>
    ValueTask<MetadataStatus> RecordHitsAsync(IReadOnlyList<HitDelta> hits, CancellationToken cancellationToken);

    /// <summary>Stores the CLIP image embedding, known when the job ends.</summary>
    ValueTask<MetadataStatus> SetImageEmbeddingAsync(CacheEntryKey key, float[] embedding, CancellationToken cancellationToken);

    /// <summary>
    /// Changes made by other instances since <see cref="LoadAllAsync"/>, in order, until cancelled.
    /// A backend that is not shared yields nothing and ends at once.
    /// </summary>
    IAsyncEnumerable<MetadataChange> WatchAsync(CancellationToken cancellationToken);
}

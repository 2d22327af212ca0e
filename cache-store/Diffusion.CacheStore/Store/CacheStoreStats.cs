namespace Diffusion.CacheStore;

/// <summary>A snapshot of the store's gauges and counters, for /metrics and the dashboard.</summary>
/// <param name="UsedBytes">Bytes of latent files held or being written, headers included.</param>
/// <param name="WritesDroppedQueueFull">Writes dropped because the writer's queue was full.</param>
/// <param name="WritesFailed">Writes dropped because the device failed (full disk, lost connection).</param>
/// <param name="WritesRejected">Writes refused: values not finite fp16 numbers, or no room could be made.</param>
/// <param name="CorruptDiscarded">Latent files that failed verification (at start or on read) and were discarded.</param>
/// <param name="ReadsUnavailable">Reads that could not reach the device (answered as misses).</param>
/// <param name="MetadataUnavailable">Metadata operations the backend could not take (carried on locally).</param>
public sealed record CacheStoreStats(
    long UsedBytes,
    long MaxBytes,
    int Entries,
    int Latents,
    long WritesCompleted,
    long WritesDroppedQueueFull,
    long WritesFailed,
    long WritesRejected,
    long Evictions,
    long CorruptDiscarded,
    long ReadHits,
    long ReadMisses,
    long ReadsUnavailable,
    long MetadataUnavailable);

/// <summary>Thread-safe counters behind <see cref="CacheStoreStats"/>.</summary>
internal sealed class StoreCounters
{
    public long WritesCompleted;
    public long WritesDroppedQueueFull;
    public long WritesFailed;
    public long WritesRejected;
    public long Evictions;
    public long CorruptDiscarded;
    public long ReadHits;
    public long ReadMisses;
    public long ReadsUnavailable;
    public long MetadataUnavailable;

    public static void Increment(ref long counter) => Interlocked.Increment(ref counter);

    public void Count(MetadataStatus status)
    {
        if (status == MetadataStatus.Unavailable)
        {
            Interlocked.Increment(ref MetadataUnavailable);
        }
    }

    public CacheStoreStats Snapshot(LatentCatalog catalog, long maxBytes) => new(
        catalog.UsedBytes, maxBytes, catalog.EntryCount, catalog.LatentCount,
        Interlocked.Read(ref WritesCompleted), Interlocked.Read(ref WritesDroppedQueueFull), Interlocked.Read(ref WritesFailed),
        Interlocked.Read(ref WritesRejected), Interlocked.Read(ref Evictions), Interlocked.Read(ref CorruptDiscarded),
        Interlocked.Read(ref ReadHits), Interlocked.Read(ref ReadMisses), Interlocked.Read(ref ReadsUnavailable),
        Interlocked.Read(ref MetadataUnavailable));
}

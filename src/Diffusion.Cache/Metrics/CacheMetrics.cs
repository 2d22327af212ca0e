using System.Collections.Concurrent;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Metrics;

/// <summary>
/// The approximate cache's counters, in one place for /metrics and the dashboard: lookups and their
/// outcomes, hits by K, denoising steps requested and saved, latents queued for the store, image
/// embeddings set, and the lookup latency histogram (embedding search + latent load). Thread-safe.
/// </summary>
public sealed class CacheMetrics
{
    private readonly ConcurrentDictionary<int, long> _hitsByK = new();
    private long _lookups;
    private long _hits;
    private long _misses;
    private long _skipped;
    private long _readFailures;
    private long _uncorroborated;
    private long _nearCacheReads;
    private long _stepsRequested;
    private long _stepsSaved;
    private long _latentsQueued;
    private long _latentBytesQueued;
    private long _latentsNotQueued;
    private long _imageEmbeddingsQueued;
    private long _imageEmbeddingsDropped;
    private long _admissionsSkippedAsDuplicate;
    private long _admissionsSkippedAsUnlendable;
    private long _adaptiveControls;
    private long _stepsReused;

    public LatencyHistogram LookupLatency { get; } = new(LatencyHistogram.LookupBounds);

    /// <summary>Counts one request that passed the cache layer, whatever its mode: it asked for <paramref name="steps"/> and skipped <paramref name="k"/>.</summary>
    internal void RecordRequest(int steps, int k)
    {
        Interlocked.Add(ref _stepsRequested, steps);
        Interlocked.Add(ref _stepsSaved, k);
    }

    /// <summary>Steps of a finished run that reused the denoiser's previous output instead of calling it (within-request reuse).</summary>
    public void RecordReusedSteps(int steps) => Interlocked.Add(ref _stepsReused, Math.Max(0, steps));

    /// <summary>A would-be hit run from noise as the adaptive table's control.</summary>
    internal void RecordAdaptiveControl() => Interlocked.Increment(ref _adaptiveControls);

    internal void RecordLookup(CacheLookup lookup)
    {
        switch (lookup.Status)
        {
            case CacheLookupStatus.Hit:
                Interlocked.Increment(ref _lookups);
                Interlocked.Increment(ref _hits);
                _hitsByK.AddOrUpdate(lookup.K, 1, (_, n) => n + 1);
                LookupLatency.Observe(lookup.SearchTime + lookup.LoadTime);
                break;
            case CacheLookupStatus.Miss:
                Interlocked.Increment(ref _lookups);
                Interlocked.Increment(ref _misses);
                LookupLatency.Observe(lookup.SearchTime + lookup.LoadTime);
                break;
            case CacheLookupStatus.Skipped:
                Interlocked.Increment(ref _skipped);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(lookup), lookup.Status, "unknown lookup status");
        }
    }

    internal void RecordReadFailure() => Interlocked.Increment(ref _readFailures);

    internal void RecordUncorroborated() => Interlocked.Increment(ref _uncorroborated);

    internal void RecordNearCacheRead() => Interlocked.Increment(ref _nearCacheReads);

    internal void RecordLatentWrite(LatentWriteStatus status, long bytes)
    {
        if (status == LatentWriteStatus.Queued)
        {
            Interlocked.Increment(ref _latentsQueued);
            Interlocked.Add(ref _latentBytesQueued, bytes);
        }
        else
        {
            Interlocked.Increment(ref _latentsNotQueued);
        }
    }

    internal void RecordImageEmbedding(bool queued) =>
        Interlocked.Increment(ref queued ? ref _imageEmbeddingsQueued : ref _imageEmbeddingsDropped);

    internal void RecordDuplicateSkipped() => Interlocked.Increment(ref _admissionsSkippedAsDuplicate);

    internal void RecordUnlendableSkipped() => Interlocked.Increment(ref _admissionsSkippedAsUnlendable);

    /// <summary>The counters now, with the store's gauges (bytes stored, evictions) when given.</summary>
    public CacheMetricsSnapshot Snapshot(CacheStoreStats? store = null) => new(
        Interlocked.Read(ref _lookups),
        Interlocked.Read(ref _hits),
        Interlocked.Read(ref _misses),
        Interlocked.Read(ref _skipped),
        Interlocked.Read(ref _readFailures),
        Interlocked.Read(ref _nearCacheReads),
        new SortedDictionary<int, long>(_hitsByK),
        Interlocked.Read(ref _stepsRequested),
        Interlocked.Read(ref _stepsSaved),
        Interlocked.Read(ref _latentsQueued),
        Interlocked.Read(ref _latentBytesQueued),
        Interlocked.Read(ref _latentsNotQueued),
        Interlocked.Read(ref _imageEmbeddingsQueued),
        Interlocked.Read(ref _imageEmbeddingsDropped),
        Interlocked.Read(ref _admissionsSkippedAsDuplicate),
        LookupLatency.Snapshot(),
        store)
    {
        UncorroboratedSkipped = Interlocked.Read(ref _uncorroborated),
        AdaptiveControls = Interlocked.Read(ref _adaptiveControls),
        StepsReused = Interlocked.Read(ref _stepsReused),
        AdmissionsSkippedAsUnlendable = Interlocked.Read(ref _admissionsSkippedAsUnlendable),
    };
}

/// <param name="Lookups">Searches made (hits + misses); requests with cache off/refresh are <paramref name="Skipped"/>.</param>
/// <param name="ReadFailures">Candidates whose latent could not be read (corrupt, unavailable); the lookup went on to the next.</param>
/// <param name="NearCacheReads">Hits whose latent came from the in-memory near cache instead of the device.</param>
/// <param name="HitsByK">Hits by the K (in steps of the request) they started at.</param>
/// <param name="StepsRequested">Denoising steps asked for by every request through the cache layer.</param>
/// <param name="StepsSaved">Steps skipped thanks to hits.</param>
/// <param name="LatentsNotQueued">Latent writes the store did not queue (already stored, queue full, closed).</param>
/// <param name="Store">The store's gauges and counters (bytes stored, evictions …), when the snapshot was taken with them.</param>
public sealed record CacheMetricsSnapshot(
    long Lookups,
    long Hits,
    long Misses,
    long Skipped,
    long ReadFailures,
    long NearCacheReads,
    IReadOnlyDictionary<int, long> HitsByK,
    long StepsRequested,
    long StepsSaved,
    long LatentsQueued,
    long LatentBytesQueued,
    long LatentsNotQueued,
    long ImageEmbeddingsQueued,
    long ImageEmbeddingsDropped,
    long AdmissionsSkippedAsDuplicate,
    HistogramSnapshot LookupLatency,
    CacheStoreStats? Store)
{
    /// <summary>Shared-pool candidates passed over because too few other tenants had sent the same prompt.</summary>
    public long UncorroboratedSkipped { get; init; }

    /// <summary>Hit runs not stored because the lineage check would never let their latents serve another request.</summary>
    public long AdmissionsSkippedAsUnlendable { get; init; }

    /// <summary>Would-be hits run from noise as the adaptive K table's controls.</summary>
    public long AdaptiveControls { get; init; }

    /// <summary>Steps run on a reused denoiser output (within-request reuse): model calls saved besides <see cref="StepsSaved"/>.</summary>
    public long StepsReused { get; init; }

    /// <summary>Denoiser calls saved by both mechanisms over those of full runs.</summary>
    public double ModelCallsSavedFraction => StepsRequested == 0 ? 0 : (double)(StepsSaved + StepsReused) / StepsRequested;

    public double HitRate => Lookups == 0 ? 0 : (double)Hits / Lookups;

    public double StepsSavedFraction => StepsRequested == 0 ? 0 : (double)StepsSaved / StepsRequested;

    public long BytesStored => Store?.UsedBytes ?? 0;

    public long Evictions => Store?.Evictions ?? 0;
}

using Diffusion.Cache.Adaptive;
using Diffusion.Cache.Admission;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Index;
using Diffusion.Cache.Latents;
using Diffusion.Cache.Metrics;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Kernels.Faiss;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diffusion.Cache;

/// <summary>
/// NIRVANA's approximate cache over the latent store: a prompt's CLIP embedding is searched in this
/// instance's FAISS replica, the similarity picks K from the calibrated table, and the largest stored
/// K' ≤ K of the best compatible entry is loaded to start from. Runs are stored through a
/// <see cref="CacheAdmission"/> (latents at the cache steps, then the final image's embedding), all
/// queued to the store's background writer. Thread-safe; one per process.
/// </summary>
public sealed class ApproximateCache : IAsyncDisposable
{
    private readonly ApproximateCacheOptions _options;
    private readonly CachePoints _points;
    private readonly CachePoints _storedPoints;
    private readonly CacheIndexReplica _replica;
    private readonly NearLatentCache _near;
    private readonly AdaptiveKTable? _adaptive;
    private readonly bool _ownsStore;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _disposed;

    private ApproximateCache(LatentStore store, ApproximateCacheOptions options, CacheIndexReplica replica, IndexStartReport start,
        bool ownsStore, TimeProvider time, ILogger logger)
    {
        Store = store;
        _options = options;
        _points = options.Points;
        _storedPoints = options.StoredPoints;
        _replica = replica;
        IndexStart = start;
        _ownsStore = ownsStore;
        _time = time;
        _logger = logger;
        _near = new NearLatentCache(options.NearCacheBytes);
        store.EntryRemoved += _near.Remove;
        _adaptive = options.AdaptiveK is { } adaptive
            ? new AdaptiveKTable(options.KTables.For(options.EffectiveMode), _points, adaptive, options.KTables.CalibratedFor, logger)
            : null;
    }

    public LatentStore Store { get; }

    public CacheMetrics Metrics { get; } = new();

    /// <summary>The retrieval mode lookups use.</summary>
    public RetrievalMode Mode => _options.EffectiveMode;

    public CachePoints Points => _points;

    /// <summary>The settings this cache was opened with.</summary>
    public ApproximateCacheOptions Options => _options;

    /// <summary>The cache points a run stores (<see cref="ApproximateCacheOptions.StoredPoints"/>).</summary>
    public CachePoints StoredPoints => _storedPoints;

    /// <summary>The similarity→K table of <see cref="Mode"/>.</summary>
    public SimilarityKTable Table => _options.KTables.For(Mode);

    /// <summary>The table that keeps learning K online, or null when the calibrated table is fixed.</summary>
    public AdaptiveKTable? Adaptive => _adaptive;

    /// <summary>How the FAISS replica was built at start (saved indexes adopted or rebuilt from the store).</summary>
    public IndexStartReport IndexStart { get; }

    /// <summary>This instance's FAISS replica (for diagnostics and tests).</summary>
    public CacheIndexReplica Index => _replica;

    /// <summary>Wraps an open store (not owned unless <paramref name="ownsStore"/>): builds the FAISS replica from it and follows its events.</summary>
    public static ApproximateCache Open(LatentStore store, ApproximateCacheOptions options, bool ownsStore = false,
        TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (store.Recovery is null)
        {
            throw new InvalidOperationException("open the latent store (OpenAsync) before the approximate cache attaches to it.");
        }
        logger ??= NullLogger.Instance;
        // An empty store builds no index yet: without this, a missing native FAISS shim would only show as misses.
        FaissLibrary.EnsureLoaded();
        var replica = new CacheIndexReplica(options.IndexChooser, logger);
        try
        {
            var start = replica.Attach(store, options.IndexDirectory);
            return new ApproximateCache(store, options, replica, start, ownsStore, time ?? TimeProvider.System, logger);
        }
        catch (Exception)
        {
            replica.Dispose();
            throw;
        }
    }

    /// <summary>One instance: latent files and SQLite under <paramref name="storeOptions"/>.DataDirectory (owned).</summary>
    public static async Task<ApproximateCache> OpenLocalAsync(ApproximateCacheOptions options, CacheStoreOptions storeOptions,
        TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var store = await LatentStore.OpenLocalAsync(storeOptions, time, logger, cancellationToken).ConfigureAwait(false);
        return await OpenOwnedAsync(store, options, time, logger).ConfigureAwait(false);
    }

    /// <summary>One of several instances sharing a Redis cache; the connection is not owned.</summary>
    public static async Task<ApproximateCache> OpenSharedAsync(ApproximateCacheOptions options, CacheStoreOptions storeOptions,
        RedisConnection connection, TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var store = await LatentStore.OpenSharedAsync(storeOptions, connection, time, logger, cancellationToken).ConfigureAwait(false);
        return await OpenOwnedAsync(store, options, time, logger).ConfigureAwait(false);
    }

    private static async Task<ApproximateCache> OpenOwnedAsync(LatentStore store, ApproximateCacheOptions options, TimeProvider? time, ILogger? logger)
    {
        try
        {
            return Open(store, options, ownsStore: true, time, logger);
        }
        catch (Exception)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Looks up a similar cached prompt for a request. <paramref name="promptEmbedding"/> is the request's CLIP
    /// text embedding (normalised here). With a <paramref name="pool"/> that includes <paramref name="tenant"/>, the other
    /// members' entries are candidates too, under the pool's corroboration rule. Never throws for an unreachable backend: that is a miss.
    /// </summary>
    public async Task<CacheLookup> LookupAsync(float[] promptEmbedding, CacheRequestFacts facts, TenantId tenant, CacheMode mode,
        CancellationToken cancellationToken, SharedPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(promptEmbedding);
        ArgumentNullException.ThrowIfNull(facts);
        facts.Validate();
        var lookup = await FindAsync(promptEmbedding, facts, tenant, mode, pool is not null && pool.Includes(tenant) ? pool : null, cancellationToken)
            .ConfigureAwait(false);
        Metrics.RecordRequest(facts.Steps, lookup.IsHit ? lookup.K : 0);
        Metrics.RecordLookup(lookup);
        return lookup;
    }

    /// <summary>
    /// Starts storing a run, or returns null when nothing should be stored: cache off, a run too short for
    /// any cache point, or a hit on a repeat of a cached prompt (the source already stands for it).
    /// The run must capture <see cref="CacheAdmission.CaptureSteps"/> (the stored cache steps after its start).
    /// </summary>
    public CacheAdmission? BeginAdmission(float[] promptEmbedding, CacheRequestFacts facts, TenantId tenant, CacheMode mode, CacheLookup? lookup)
    {
        ArgumentNullException.ThrowIfNull(promptEmbedding);
        ArgumentNullException.ThrowIfNull(facts);
        facts.Validate();
        if (mode == CacheMode.Off)
        {
            return null;
        }
        var start = 0;
        if (lookup is { IsHit: true })
        {
            if (!_options.AdmitHitRuns)
            {
                return null;
            }
            if (lookup.PromptSimilarity >= _options.DuplicateSimilarity)
            {
                Metrics.RecordDuplicateSkipped();
                return null;
            }
            if (!HitRunsCanLend(lookup.Mode))
            {
                Metrics.RecordUnlendableSkipped();
                return null;
            }
            start = lookup.K;
        }
        var steps = _storedPoints.StepsFor(facts.Steps).Where(s => s > start).ToHashSet();
        if (steps.Count == 0)
        {
            return null;
        }
        var entry = new CacheEntryDescriptor
        {
            Key = new CacheEntryKey(tenant, CacheEntryId.New()),
            Prompt = facts.Prompt,
            TextEmbedding = EmbeddingVectors.Normalize(promptEmbedding),
            Seed = unchecked((long)facts.Seed),
            ModelId = facts.ModelId,
            Size = facts.Size,
            SchedulerFamily = facts.SchedulerFamily,
            Steps = facts.Steps,
            Guidance = facts.Guidance,
            Lineage = start > 0 ? lookup!.SourceLineage : [],
        };
        return new CacheAdmission(Store, Metrics, _near, entry, steps, facts.LatentShape);
    }

    /// <summary>
    /// Hands the finished image's CLIP image–text cosine to the adaptive table, which learns from the hits it decided
    /// and from runs from noise. A no-op without adaptation, for skipped lookups and for repeats of a cached prompt.
    /// </summary>
    public void RecordOutcome(CacheLookup lookup, double clipScore)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (_adaptive is not null && lookup.Adaptive is { } arm)
        {
            _adaptive.Observe(arm, clipScore);
        }
    }

    /// <summary>The counters with the store's gauges.</summary>
    public CacheMetricsSnapshot MetricsSnapshot() => Metrics.Snapshot(Store.Stats);

    /// <summary>Waits until every queued write is stored and applied to the index (tests, benchmarks, shutdown).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Store.FlushAsync(cancellationToken);

    /// <summary>Saves the FAISS indexes to the index directory (no-op without one). Safe while lookups run.</summary>
    public void SaveIndex()
    {
        if (_options.IndexDirectory is { } directory)
        {
            _replica.Save(directory);
        }
    }

    /// <summary>Finishes queued writes, saves the indexes, and closes the store if owned.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_ownsStore)
        {
            // closing the store finishes its writes, whose events still reach the replica
            await Store.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await Store.FlushAsync().ConfigureAwait(false);
        }
        Store.EntryRemoved -= _near.Remove;
        try
        {
            SaveIndex();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FaissException)
        {
            // the saved index is only an optimisation: the next start rebuilds from the store
            _logger.LogWarning("Could not save the cache index: {Message}", e.Message);
        }
        _adaptive?.TrySave();
        _replica.Dispose();
    }

    private async Task<CacheLookup> FindAsync(float[] promptEmbedding, CacheRequestFacts facts, TenantId tenant, CacheMode mode,
        SharedPool? pool, CancellationToken cancellationToken)
    {
        var retrieval = Mode;
        if (mode != CacheMode.Auto)
        {
            return CacheLookup.Skipped(retrieval, $"cache {mode.ToName()}");
        }
        if (facts.ImageCount != 1)
        {
            return CacheLookup.Skipped(retrieval, "the cache serves single-image requests");
        }
        var started = _time.GetTimestamp();
        var query = EmbeddingVectors.Normalize(promptEmbedding);
        IReadOnlyList<IndexCandidate> candidates;
        try
        {
            candidates = _replica.Search(retrieval, Tenants(tenant, pool), query, _options.SearchCandidates);
            if (retrieval != RetrievalMode.PromptToPrompt)
            {
                // A repeat of a cached prompt is found by its text at once, before its run has finished and its image
                // is embedded, and whatever the image neighbours are.
                var repeats = _replica.Search(RetrievalMode.PromptToPrompt, Tenants(tenant, pool), query, 1)
                    .Where(c => c.Similarity >= _options.DuplicateSimilarity && candidates.All(k => k.Key != c.Key)).ToArray();
                candidates = [.. repeats, .. candidates];
            }
        }
        catch (FaissException e)
        {
            _logger.LogError(e, "Cache index search failed; serving a miss");
            return Miss(null, started, TimeSpan.Zero, "index search failed");
        }
        // A miss reports how close the requester's own nearest entry was, never another tenant's (that would say what they sent).
        double? best = candidates.Where(c => pool is null || !IsPoolEntry(c.Key.Tenant, tenant, pool)).Select(c => (double?)c.Similarity).FirstOrDefault();
        var table = _options.KTables.For(retrieval);
        var draw = _adaptive?.Draw() ?? AdaptiveDraw.Exploit;
        var usable = new List<(IndexCandidate Candidate, int K, CacheEntryMetadata Entry, double? TextSimilarity)>();
        foreach (var candidate in candidates)
        {
            if (Store.Find(candidate.Key) is not { } entry)
            {
                continue;
            }
            if (pool is not null && IsPoolEntry(candidate.Key.Tenant, tenant, pool) && !Corroborated(entry.Entry.TextEmbedding, tenant, pool))
            {
                Metrics.RecordUncorroborated();
                continue;
            }
            var textSimilarity = Similarity(query, entry.Entry.TextEmbedding);
            var allowed = _points.Scale(ReferenceK(table, candidate.Similarity, textSimilarity, draw), facts.Steps);
            if (allowed == 0 || !facts.IsCompatibleWith(entry.Entry)
                || (_options.CheckLineage && !LineageAllows(entry.Entry, query, facts.Steps, retrieval))
                || !Store.TryGetBestK(candidate.Key, allowed, out var k))
            {
                continue;
            }
            usable.Add((candidate, k, entry, textSimilarity));
        }
        var searchTime = _time.GetElapsedTime(started);
        var ordered = usable.OrderByDescending(u => u.K).ThenByDescending(u => u.Candidate.Similarity).ToArray();
        if (_adaptive is not null && draw == AdaptiveDraw.Control && ordered.Length > 0 && !IsRepeat(ordered[0].TextSimilarity))
        {
            // a would-be hit run from noise: the score a full run gets at this similarity, for the table to compare hits with
            Metrics.RecordAdaptiveControl();
            return Miss(ordered[0].Candidate.Similarity, started, searchTime, "run from noise as a control for adaptive K") with
            {
                Adaptive = new AdaptiveArm(ordered[0].Candidate.Similarity, 0, AdaptiveDraw.Control),
            };
        }
        foreach (var (candidate, k, entry, promptSimilarity) in ordered)
        {
            var latentKey = new LatentKey(candidate.Key, k);
            var values = _near.TryGet(latentKey);
            if (values is not null)
            {
                Metrics.RecordNearCacheRead();
            }
            else
            {
                var read = await Store.ReadAsync(candidate.Key, k, cancellationToken).ConfigureAwait(false);
                if (!read.IsHit || read.Values is null)
                {
                    Metrics.RecordReadFailure();
                    _logger.LogDebug("Cache candidate {Key} unusable: {Status} {Detail}", latentKey, read.Status, read.Detail);
                    continue;
                }
                values = read.Values;
                _near.Put(latentKey, values);
            }
            if (values.Length != facts.LatentLength)
            {
                Metrics.RecordReadFailure();
                continue;
            }
            Store.RecordHit(candidate.Key, k);
            var loadTime = _time.GetElapsedTime(started) - searchTime;
            return new CacheLookup(CacheLookupStatus.Hit, retrieval, k, candidate.Similarity, promptSimilarity, candidate.Key, values,
                searchTime, loadTime, $"start at step {k} of {facts.Steps}")
            {
                SourceLineage = [new LatentAncestor(entry.Entry.TextEmbedding, k, entry.ImageEmbedding), .. entry.Entry.Lineage],
                SourceSeed = entry.Entry.Seed,
                SourcePrompt = entry.Entry.Prompt,
                FromSharedPool = pool is not null && IsPoolEntry(candidate.Key.Tenant, tenant, pool),
                Adaptive = _adaptive is null || IsRepeat(promptSimilarity) ? null
                    : new AdaptiveArm(candidate.Similarity, _points.ReferenceKOf(k, facts.Steps), draw),
            };
        }
        return Miss(best, started, searchTime, usable.Count == 0
            ? candidates.Count == 0 ? "no entries" : "nothing similar and compatible enough"
            : "no candidate latent could be read");

        CacheLookup Miss(double? similarity, long startedAt, TimeSpan search, string detail) =>
            new(CacheLookupStatus.Miss, retrieval, 0, similarity, null, null, null, search, _time.GetElapsedTime(startedAt) - search, detail);
    }

    /// <summary>
    /// K of the reference run a candidate may lend: the table's K at <paramref name="similarity"/> (the mode's), or
    /// the deepest cache point for a repeat of the cached prompt (text cosine at least DuplicateSimilarity). The
    /// tables are calibrated on different prompts; the same prompt's own latent keeps its accuracy (docs/variation.md).
    /// </summary>
    private int ReferenceK(SimilarityKTable table, double similarity, double? textSimilarity, AdaptiveDraw draw = AdaptiveDraw.Exploit) =>
        IsRepeat(textSimilarity) ? _points.ReferenceKs.Max()
        : _adaptive is not null && table == _options.KTables.For(Mode) ? _adaptive.ReferenceKFor(similarity, draw)
        : table.KFor(similarity);

    private bool IsRepeat(double? textSimilarity) => textSimilarity >= _options.DuplicateSimilarity;

    /// <summary>The query's cosine to a stored embedding (a prompt's or an image's); null where their lengths differ (another model's).</summary>
    private static double? Similarity(float[] query, float[] embedding) =>
        embedding.Length == query.Length ? EmbeddingVectors.Cosine(query, embedding) : null;

    /// <summary>
    /// Whether a run that started from a cached latent can ever lend its own: with the lineage check on, a request may
    /// use it only where a table allows the source's steps at the request's similarity to the source (see
    /// <see cref="LineageAllows"/>), or the request repeats the source's prompt. With neither a prompt→prompt table nor
    /// a prompt→image one to price the source by its image, only a repeat would pass, and the run itself is not one (a
    /// repeat is not stored), so its latents could never serve: storing them would fill the budget and crowd the
    /// search's nearest candidates with entries every lookup rejects.
    /// </summary>
    private bool HitRunsCanLend(RetrievalMode retrieval) =>
        !_options.CheckLineage
        || _options.KTables.For(RetrievalMode.PromptToPrompt).Thresholds.Count > 0
        || retrieval == RetrievalMode.PromptToImage && _options.KTables.For(retrieval).Thresholds.Count > 0;

    /// <summary>
    /// Whether a request may start from latents that ancestors' runs denoised up to their steps: each ancestor is priced
    /// as if its own run were the source. Under prompt→image retrieval that is the mode's table at the request's
    /// similarity to the ancestor's image, where the lineage kept it; otherwise, and for ancestors stored without one,
    /// the prompt→prompt table at the similarity to its prompt. A repeat of an ancestor's prompt may take its deepest.
    /// </summary>
    private bool LineageAllows(CacheEntryDescriptor entry, float[] query, int steps, RetrievalMode retrieval)
    {
        var byText = _options.KTables.For(RetrievalMode.PromptToPrompt);
        foreach (var ancestor in entry.Lineage)
        {
            var textSimilarity = Similarity(query, ancestor.TextEmbedding);
            var byImage = retrieval == RetrievalMode.PromptToImage && ancestor.ImageEmbedding is { } image ? Similarity(query, image) : null;
            var (table, similarity) = byImage is null ? (byText, textSimilarity) : (_options.KTables.For(retrieval), byImage);
            if (similarity is not { } s || _points.Scale(ReferenceK(table, s, textSimilarity), steps) < ancestor.UntilStep)
            {
                return false;
            }
        }
        return true;
    }

    private IEnumerable<TenantId> Tenants(TenantId tenant, SharedPool? pool = null)
    {
        IEnumerable<TenantId> tenants = _options.SharedTenant is { } shared && shared != tenant ? [tenant, shared] : [tenant];
        return pool is null ? tenants : tenants.Concat(pool.Members).Distinct();
    }

    private bool IsPoolEntry(TenantId owner, TenantId requester, SharedPool pool) =>
        owner != requester && owner != _options.SharedTenant && pool.Includes(owner);

    /// <summary>
    /// Whether at least <see cref="SharedPool.Corroboration"/> pool members other than the requester hold an entry of the
    /// same prompt (text cosine at least DuplicateSimilarity). Counted from the text indexes, so it holds as soon as
    /// their runs are stored, whoever's entry is then picked.
    /// </summary>
    private bool Corroborated(float[] textEmbedding, TenantId requester, SharedPool pool)
    {
        if (pool.Corroboration <= 1)
        {
            return true;
        }
        var query = EmbeddingVectors.Normalize(textEmbedding);
        var tenants = 0;
        foreach (var member in pool.Members)
        {
            if (member == requester)
            {
                continue;
            }
            var best = _replica.Search(RetrievalMode.PromptToPrompt, [member], query, 1);
            if (best.Count > 0 && best[0].Similarity >= _options.DuplicateSimilarity && ++tenants >= pool.Corroboration)
            {
                return true;
            }
        }
        return false;
    }
}

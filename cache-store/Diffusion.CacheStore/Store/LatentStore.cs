using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diffusion.CacheStore;

/// <summary>
/// The bounded, crash-safe store of cached latents. The request path only touches memory: it queues
/// writes (<see cref="TryEnqueueWrite"/>), looks up stored K values, counts hits, and reads verified
/// latents. A background writer encodes, evicts to stay within <see cref="MaxBytes"/>, writes files
/// atomically and records metadata. Construct, subscribe to the events, then call <see cref="OpenAsync"/>.
/// The store owns (and disposes) the device and metadata backend it is given.
/// </summary>
public sealed class LatentStore : IAsyncDisposable
{
    private readonly StoreContext _context;
    private readonly LatentWriter _writer;
    private readonly LatentEvictor _evictor;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watcher;
    private int _state; // 0 = created, 1 = open, 2 = closed

    public LatentStore(
        CacheStoreOptions options,
        ILatentDevice device,
        ICacheMetadataBackend metadata,
        IEvictionPolicy? policy = null,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(metadata);
        options.Validate();
        if (device.IsShared != metadata.IsShared)
        {
            // A shared backend lists other instances' latents a local device cannot hold (and the reverse),
            // so reconciliation would delete them.
            throw new ArgumentException(
                $"The latent device ({device.GetType().Name}) and metadata backend ({metadata.GetType().Name}) must both be shared "
                + "(Redis, for several instances) or both local (files and SQLite).");
        }
        logger ??= NullLogger.Instance;
        var events = new StoreEvents(logger);
        _context = new StoreContext(options, new LatentCatalog(), device, metadata,
            policy ?? EvictionPolicies.Create(options.EvictionPolicy, options.GracePeriod),
            time ?? TimeProvider.System, logger, new StoreCounters(), events);
        _evictor = new LatentEvictor(_context);
        _writer = new LatentWriter(_context, _evictor);
    }

    /// <summary>A single-instance store: latent files under <c>{DataDirectory}/latents</c>, SQLite metadata beside them.</summary>
    public static async Task<LatentStore> OpenLocalAsync(
        CacheStoreOptions options, TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var device = new FileLatentDevice(Path.Combine(options.DataDirectory, "latents"));
        var metadata = SqliteMetadataBackend.Open(Path.Combine(options.DataDirectory, SqliteMetadataBackend.DefaultFileName), logger);
        var store = new LatentStore(options, device, metadata, null, time, logger);
        return await OpenOrDisposeAsync(store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One of several instances sharing a cache: latents as Redis strings and metadata in Redis, kept in
    /// sync through the update stream. The connection is not owned; dispose it after the store.
    /// </summary>
    public static async Task<LatentStore> OpenSharedAsync(
        CacheStoreOptions options, RedisConnection connection, TimeProvider? time = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        var store = new LatentStore(options, new RedisLatentDevice(connection, options.MaxBytes.Bytes), new RedisMetadataBackend(connection, time, logger), null, time, logger);
        return await OpenOrDisposeAsync(store, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<LatentStore> OpenOrDisposeAsync(LatentStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.OpenAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch (Exception)
        {
            // Close the database and device this method created; the caller only sees the original error.
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Raised when an entry's first latent is stored (here or, with Redis, by another instance).</summary>
    public event Action<CacheEntryMetadata>? EntryAdded
    {
        add => _context.Events.EntryAdded += value;
        remove => _context.Events.EntryAdded -= value;
    }

    /// <summary>Raised when an entry's last latent goes: remove the entry from the FAISS index.</summary>
    public event Action<CacheEntryKey>? EntryRemoved
    {
        add => _context.Events.EntryRemoved += value;
        remove => _context.Events.EntryRemoved -= value;
    }

    /// <summary>Raised when an entry's image embedding is set.</summary>
    public event Action<CacheEntryMetadata>? EntryUpdated
    {
        add => _context.Events.EntryUpdated += value;
        remove => _context.Events.EntryUpdated -= value;
    }

    public long MaxBytes => _context.MaxBytes;

    /// <summary>Bytes of latent files the store holds or is writing, headers included.</summary>
    public long UsedBytes => _context.Catalog.UsedBytes;

    public string EvictionPolicyName => _context.Policy.Name;

    public CacheStoreStats Stats => _context.Counters.Snapshot(_context.Catalog, _context.MaxBytes);

    /// <summary>What recovery did when the store opened.</summary>
    public RecoveryReport? Recovery { get; private set; }

    /// <summary>Recovers the index from the device and metadata, then starts the background writer.</summary>
    public async Task<RecoveryReport> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The latent store is already open or closed.");
        }
        Recovery = await StoreRecovery.RunAsync(_context, cancellationToken).ConfigureAwait(false);
        await _evictor.EvictToBudgetAsync(cancellationToken).ConfigureAwait(false);
        _writer.Start();
        if (_context.Metadata.IsShared)
        {
            var applier = new RemoteChangeApplier(_context);
            _watcher = Task.Run(() => applier.RunAsync(_stopping.Token));
        }
        _context.Logger.LogInformation(
            "Latent store open: {Entries} entries, {Latents} latents, {Used} of {Max} bytes, policy {Policy}",
            Recovery.EntriesLoaded, Recovery.LatentsLoaded, UsedBytes, MaxBytes, _context.Policy.Name);
        return Recovery;
    }

    /// <summary>
    /// Queues the latent entering step <paramref name="k"/> of <paramref name="entry"/>'s job and returns at once.
    /// The values are copied. Bad arguments throw <see cref="ArgumentException"/>; a full queue drops the write.
    /// </summary>
    public LatentWriteStatus TryEnqueueWrite(CacheEntryDescriptor entry, int k, ReadOnlySpan<float> latent, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Validate();
        if (k < 1 || k >= entry.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"A cache step K is between 1 and steps-1 ({entry.Steps - 1}).");
        }
        LatentFileFormat.ValidateShape(shape, latent.Length);
        if (latent.Length > _context.Options.MaxLatentElements)
        {
            throw new ArgumentException(
                $"A latent of {latent.Length} values is larger than MaxLatentElements ({_context.Options.MaxLatentElements}).", nameof(latent));
        }
        if (!IsOpen(out var closed))
        {
            return closed;
        }

        var key = new LatentKey(entry.Key, k);
        var admission = _context.Catalog.TryQueueWrite(key);
        if (admission != LatentWriteStatus.Queued)
        {
            return admission;
        }
        var command = WriteLatentCommand.Copy(entry, k, latent, shape);
        if (!_writer.TryEnqueue(command))
        {
            _context.Catalog.EndQueuedWrite(key);
            command.ReturnBuffer();
            StoreCounters.Increment(ref _context.Counters.WritesDroppedQueueFull);
            return LatentWriteStatus.QueueFull;
        }
        return LatentWriteStatus.Queued;
    }

    /// <summary>Reads and verifies a stored latent. A corrupt file is discarded and reported, never returned.</summary>
    public async ValueTask<LatentReadResult> ReadAsync(CacheEntryKey entry, int k, CancellationToken cancellationToken = default)
    {
        var key = new LatentKey(entry, k);
        if (!IsOpen(out _) || !_context.Catalog.Contains(key))
        {
            StoreCounters.Increment(ref _context.Counters.ReadMisses);
            return LatentReadResult.Miss;
        }
        byte[]? blob;
        try
        {
            blob = await _context.Device.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            StoreCounters.Increment(ref _context.Counters.ReadsUnavailable);
            _context.Logger.LogWarning("Cannot read latent {Key}: {Message}", key, ex.Message);
            return new LatentReadResult(LatentReadStatus.Unavailable, Detail: ex.Message);
        }
        if (blob is null)
        {
            StoreCounters.Increment(ref _context.Counters.ReadMisses);
            _context.Logger.LogWarning("Latent {Key} is indexed but its file is gone; forgetting it", key);
            Discard(key);
            return LatentReadResult.Miss;
        }
        var status = LatentFileFormat.Decode(blob, out var header, out var values);
        if (status != LatentFileStatus.Ok || header!.Key != key)
        {
            string problem = status == LatentFileStatus.Ok ? $"its header names {header!.Key}" : status.ToString();
            StoreCounters.Increment(ref _context.Counters.CorruptDiscarded);
            _context.Logger.LogWarning("Discarding corrupt latent {Key}: {Problem}", key, problem);
            Discard(key);
            return new LatentReadResult(LatentReadStatus.Corrupt, Detail: problem);
        }
        StoreCounters.Increment(ref _context.Counters.ReadHits);
        return new LatentReadResult(LatentReadStatus.Hit, values, header.Shape);
    }

    /// <summary>The K values stored for an entry, ascending; empty when the entry is unknown to this tenant.</summary>
    public IReadOnlyList<int> StoredKs(CacheEntryKey entry) => _context.Catalog.StoredKs(entry);

    /// <summary>The largest stored K not above <paramref name="maxK"/> (what a hit at similarity level maxK can use).</summary>
    public bool TryGetBestK(CacheEntryKey entry, int maxK, out int k)
    {
        k = 0;
        foreach (int stored in StoredKs(entry))
        {
            if (stored <= maxK)
            {
                k = stored;
            }
        }
        return k > 0;
    }

    /// <summary>Counts a use of a stored latent (its LCBFU frequency); false when it is not stored.</summary>
    public bool RecordHit(CacheEntryKey entry, int k)
    {
        bool counted = _context.Catalog.RecordHit(new LatentKey(entry, k), _context.Time.GetUtcNow());
        if (counted)
        {
            _writer.Wake();
        }
        return counted;
    }

    /// <summary>Queues the final image's CLIP embedding for an entry; false when the queue is full or the store closed.</summary>
    public bool TrySetImageEmbedding(CacheEntryKey entry, float[] embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        if (embedding.Length == 0 || !embedding.All(float.IsFinite))
        {
            throw new ArgumentException($"The image embedding for {entry} must be non-empty and finite.", nameof(embedding));
        }
        return IsOpen(out _) && _writer.TryEnqueue(new ImageEmbeddingCommand(entry, (float[])embedding.Clone()));
    }

    /// <summary>A snapshot of one entry, or null when this tenant has no such entry.</summary>
    public CacheEntryMetadata? Find(CacheEntryKey entry) => _context.Catalog.Find(entry);

    /// <summary>Snapshots of all entries (of one tenant, if given): what the cache layer builds its FAISS index from.</summary>
    public IReadOnlyList<CacheEntryMetadata> Entries(TenantId? tenant = null) => _context.Catalog.All(tenant);

    /// <summary>Waits until everything queued so far is written and recorded (tests, shutdown).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!IsOpen(out _))
        {
            return Task.CompletedTask;
        }
        return _writer.FlushAsync(cancellationToken);
    }

    /// <summary>Finishes queued writes, stops watching other instances, and disposes the device and backend.</summary>
    public async ValueTask DisposeAsync()
    {
        int previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2)
        {
            return;
        }
        if (previous == 1)
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (_watcher is not null)
            {
                await _watcher.ConfigureAwait(false);
            }
        }
        _stopping.Dispose();
        await _context.Metadata.DisposeAsync().ConfigureAwait(false);
        await _context.Device.DisposeAsync().ConfigureAwait(false);
    }

    private bool IsOpen(out LatentWriteStatus closedStatus)
    {
        closedStatus = LatentWriteStatus.Closed;
        int state = Volatile.Read(ref _state);
        if (state == 0)
        {
            throw new InvalidOperationException("Call OpenAsync before using the latent store.");
        }
        return state == 1;
    }

    /// <summary>Forgets a latent now; the writer deletes its metadata and file (its bytes stay counted until then).</summary>
    private void Discard(LatentKey key)
    {
        if (_context.Catalog.Remove(key, awaitDeletion: true) is { EntryRemoved: true })
        {
            _context.Events.RaiseRemoved(key.Entry);
        }
        _writer.Wake();
    }
}

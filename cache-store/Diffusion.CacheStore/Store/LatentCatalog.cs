namespace Diffusion.CacheStore;

/// <summary>What removing a latent from the catalog did.</summary>
internal readonly record struct RemovedLatent(long Bytes, bool EntryRemoved);

/// <summary>
/// The in-memory index of what the store holds, and the byte accounting that keeps it within budget.
/// Every method takes one lock, so the request path (lookups, hits) and the writer can share it.
/// Used bytes = committed latents + reservations for writes under way + latents removed from the index
/// whose files are not yet deleted; the budget is checked against all three.
/// </summary>
internal sealed class LatentCatalog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<CacheEntryId, Entry> _entries = new();
    private readonly Dictionary<CacheEntryId, (TenantId Tenant, int Writes)> _queuedEntries = new();
    private readonly HashSet<LatentKey> _queued = new();
    private readonly Dictionary<LatentKey, HitDelta> _pendingHits = new();
    private readonly Dictionary<LatentKey, long> _deleting = new();
    private long _committedBytes;
    private long _reservedBytes;
    private long _deletingBytes;
    private int _latentCount;

    public long UsedBytes
    {
        get { lock (_gate) { return _committedBytes + _reservedBytes + _deletingBytes; } }
    }

    public int EntryCount
    {
        get { lock (_gate) { return _entries.Count; } }
    }

    public int LatentCount
    {
        get { lock (_gate) { return _latentCount; } }
    }

    public bool HasPendingDeletions
    {
        get { lock (_gate) { return _deleting.Count > 0; } }
    }

    public LatentWriteStatus TryQueueWrite(LatentKey key)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key.Id, out var entry))
            {
                if (entry.Tenant != key.Tenant)
                {
                    return LatentWriteStatus.TenantConflict;
                }
                if (entry.Slots.ContainsKey(key.K))
                {
                    return LatentWriteStatus.AlreadyStored;
                }
            }
            if (_queuedEntries.TryGetValue(key.Id, out var queued) && queued.Tenant != key.Tenant)
            {
                return LatentWriteStatus.TenantConflict;
            }
            if (!_queued.Add(key))
            {
                return LatentWriteStatus.AlreadyQueued;
            }
            _queuedEntries[key.Id] = (key.Tenant, queued.Writes + 1);
            return LatentWriteStatus.Queued;
        }
    }

    public void EndQueuedWrite(LatentKey key)
    {
        lock (_gate)
        {
            if (_queued.Remove(key) && _queuedEntries.TryGetValue(key.Id, out var queued))
            {
                if (queued.Writes <= 1)
                {
                    _queuedEntries.Remove(key.Id);
                }
                else
                {
                    _queuedEntries[key.Id] = (queued.Tenant, queued.Writes - 1);
                }
            }
        }
    }

    /// <summary>Reserves room for a file if the budget allows it now.</summary>
    public bool TryReserve(long bytes, long maxBytes)
    {
        lock (_gate)
        {
            if (_committedBytes + _reservedBytes + _deletingBytes + bytes > maxBytes)
            {
                return false;
            }
            _reservedBytes += bytes;
            return true;
        }
    }

    public void ReleaseReservation(long bytes)
    {
        lock (_gate)
        {
            _reservedBytes -= bytes;
        }
    }

    /// <summary>Turns a reservation into a stored latent; returns the entry's snapshot and whether the entry is new.</summary>
    public (CacheEntryMetadata Snapshot, StoredLatentInfo Latent, bool NewEntry) Commit(
        CacheEntryDescriptor descriptor, int k, long bytes, DateTimeOffset now)
    {
        lock (_gate)
        {
            _reservedBytes -= bytes;
            bool isNew = !_entries.TryGetValue(descriptor.Key.Id, out var entry);
            if (isNew)
            {
                entry = new Entry(descriptor, null, now);
                _entries[descriptor.Key.Id] = entry;
            }
            var slot = new Slot(bytes, 0, now, now);
            AddSlot(entry!, k, slot);
            return (Snapshot(entry!), slot.ToInfo(k), isNew);
        }
    }

    /// <summary>Adds a latent another instance stored; returns null when it was already known or clashes.</summary>
    public (CacheEntryMetadata Snapshot, bool NewEntry)? AddRemote(CacheEntryMetadata remote, StoredLatentInfo latent)
    {
        lock (_gate)
        {
            bool isNew = !_entries.TryGetValue(remote.Key.Id, out var entry);
            if (isNew)
            {
                entry = new Entry(remote.Entry, remote.ImageEmbedding, remote.Created);
                _entries[remote.Key.Id] = entry;
            }
            else if (entry!.Tenant != remote.Key.Tenant || entry.Slots.ContainsKey(latent.K))
            {
                return null;
            }
            AddSlot(entry!, latent.K, new Slot(latent.Bytes, latent.Hits, latent.StoredAt, latent.LastUsed));
            return (Snapshot(entry!), isNew);
        }
    }

    /// <summary>Loads what recovery verified.</summary>
    public void Load(IEnumerable<CacheEntryMetadata> entries)
    {
        lock (_gate)
        {
            foreach (var metadata in entries.Where(e => e.Latents.Count > 0))
            {
                var entry = new Entry(metadata.Entry, metadata.ImageEmbedding, metadata.Created);
                _entries[metadata.Key.Id] = entry;
                foreach (var latent in metadata.Latents)
                {
                    AddSlot(entry, latent.K, new Slot(latent.Bytes, latent.Hits, latent.StoredAt, latent.LastUsed));
                }
            }
        }
    }

    /// <summary>
    /// Removes a latent from the index so nobody is offered it again. With <paramref name="awaitDeletion"/>
    /// its bytes stay counted until <see cref="CompleteDeletion"/> says the file is gone.
    /// </summary>
    public RemovedLatent? Remove(LatentKey key, bool awaitDeletion)
    {
        lock (_gate)
        {
            if (!TryFind(key.Entry, out var entry) || !entry.Slots.Remove(key.K, out var slot))
            {
                return null;
            }
            _latentCount--;
            _committedBytes -= slot.Bytes;
            _pendingHits.Remove(key);
            if (awaitDeletion)
            {
                _deletingBytes += slot.Bytes - _deleting.GetValueOrDefault(key);
                _deleting[key] = slot.Bytes;
            }
            bool entryRemoved = entry.Slots.Count == 0;
            if (entryRemoved)
            {
                _entries.Remove(key.Id);
            }
            return new RemovedLatent(slot.Bytes, entryRemoved);
        }
    }

    /// <summary>Latents removed from the index whose files still wait to be deleted, with their sizes.</summary>
    public IReadOnlyList<KeyValuePair<LatentKey, long>> PendingDeletions()
    {
        lock (_gate)
        {
            return [.. _deleting];
        }
    }

    public bool IsPendingDeletion(LatentKey key)
    {
        lock (_gate)
        {
            return _deleting.ContainsKey(key);
        }
    }

    public void CompleteDeletion(LatentKey key)
    {
        lock (_gate)
        {
            if (_deleting.Remove(key, out long bytes))
            {
                _deletingBytes -= bytes;
            }
        }
    }

    public bool HasEntry(CacheEntryKey key)
    {
        lock (_gate)
        {
            return TryFind(key, out _);
        }
    }

    public bool Contains(LatentKey key)
    {
        lock (_gate)
        {
            return TryFind(key.Entry, out var entry) && entry.Slots.ContainsKey(key.K);
        }
    }

    public IReadOnlyList<int> StoredKs(CacheEntryKey key)
    {
        lock (_gate)
        {
            return TryFind(key, out var entry) ? [.. entry.Slots.Keys] : [];
        }
    }

    public List<EvictionCandidate> Candidates()
    {
        lock (_gate)
        {
            var candidates = new List<EvictionCandidate>(_latentCount);
            foreach (var entry in _entries.Values)
            {
                foreach (var (k, slot) in entry.Slots)
                {
                    candidates.Add(new EvictionCandidate(new LatentKey(entry.Descriptor.Key, k), slot.Bytes, slot.Hits, slot.StoredAt, slot.LastUsed));
                }
            }
            return candidates;
        }
    }

    /// <summary>Counts a hit now and remembers it for the backend; false when the latent is not stored.</summary>
    public bool RecordHit(LatentKey key, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!TryFind(key.Entry, out var entry) || !entry.Slots.TryGetValue(key.K, out var slot))
            {
                return false;
            }
            slot.Hits++;
            slot.LastUsed = now;
            entry.LastUsed = now;
            long pending = _pendingHits.TryGetValue(key, out var delta) ? delta.Hits : 0;
            _pendingHits[key] = new HitDelta(key, pending + 1, now);
            return true;
        }
    }

    /// <summary>Applies hits another instance counted (not queued for the backend again).</summary>
    public void ApplyRemoteHits(LatentKey key, long hits, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (TryFind(key.Entry, out var entry) && entry.Slots.TryGetValue(key.K, out var slot))
            {
                slot.Hits += hits;
                if (at > slot.LastUsed)
                {
                    slot.LastUsed = at;
                }
                if (at > entry.LastUsed)
                {
                    entry.LastUsed = at;
                }
            }
        }
    }

    public List<HitDelta> TakePendingHits()
    {
        lock (_gate)
        {
            var hits = _pendingHits.Values.ToList();
            _pendingHits.Clear();
            return hits;
        }
    }

    public bool HasPendingHits
    {
        get { lock (_gate) { return _pendingHits.Count > 0; } }
    }

    public CacheEntryMetadata? SetImageEmbedding(CacheEntryKey key, float[] embedding)
    {
        lock (_gate)
        {
            if (!TryFind(key, out var entry))
            {
                return null;
            }
            entry.ImageEmbedding = embedding;
            return Snapshot(entry);
        }
    }

    public CacheEntryMetadata? Find(CacheEntryKey key)
    {
        lock (_gate)
        {
            return TryFind(key, out var entry) ? Snapshot(entry) : null;
        }
    }

    public List<CacheEntryMetadata> All(TenantId? tenant)
    {
        lock (_gate)
        {
            return [.. _entries.Values.Where(e => tenant is null || e.Tenant == tenant.Value).Select(Snapshot)];
        }
    }

    private bool TryFind(CacheEntryKey key, out Entry entry)
    {
        // The tenant check is what keeps tenants apart: ids are global, visibility is not.
        if (_entries.TryGetValue(key.Id, out entry!) && entry.Tenant == key.Tenant)
        {
            return true;
        }
        entry = null!;
        return false;
    }

    private void AddSlot(Entry entry, int k, Slot slot)
    {
        entry.Slots[k] = slot;
        if (slot.LastUsed > entry.LastUsed)
        {
            entry.LastUsed = slot.LastUsed;
        }
        _committedBytes += slot.Bytes;
        _latentCount++;
    }

    private static CacheEntryMetadata Snapshot(Entry entry) =>
        new(entry.Descriptor, entry.ImageEmbedding, entry.Created, entry.LastUsed,
            [.. entry.Slots.Select(pair => pair.Value.ToInfo(pair.Key))]);

    private sealed class Entry(CacheEntryDescriptor descriptor, float[]? imageEmbedding, DateTimeOffset created)
    {
        public CacheEntryDescriptor Descriptor { get; } = descriptor;
        public TenantId Tenant => Descriptor.Key.Tenant;
        public float[]? ImageEmbedding { get; set; } = imageEmbedding;
        public DateTimeOffset Created { get; } = created;
        public DateTimeOffset LastUsed { get; set; } = created;
        public SortedDictionary<int, Slot> Slots { get; } = new();
    }

    private sealed class Slot(long bytes, long hits, DateTimeOffset storedAt, DateTimeOffset lastUsed)
    {
        public long Bytes { get; } = bytes;
        public long Hits { get; set; } = hits;
        public DateTimeOffset StoredAt { get; } = storedAt;
        public DateTimeOffset LastUsed { get; set; } = lastUsed;

        public StoredLatentInfo ToInfo(int k) => new(k, Bytes, Hits, StoredAt, LastUsed);
    }
}

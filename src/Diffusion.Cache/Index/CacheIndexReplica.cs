using System.Collections.Concurrent;
using System.Diagnostics;
using Diffusion.Cache.Embeddings;
using Diffusion.CacheStore;
using Diffusion.Kernels.Faiss;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diffusion.Cache.Index;

/// <summary>
/// This instance's FAISS indexes over the store's entries, one per (mode, tenant, width): text embeddings
/// for prompt→prompt, image embeddings (once set) for prompt→image. The store is the truth: the replica is
/// built from <see cref="LatentStore.Entries"/> and kept current by its events (which, with Redis, include
/// other instances' changes). A saved index is used only when it matches the store exactly.
/// </summary>
public sealed class CacheIndexReplica : IDisposable
{
    private readonly ConcurrentDictionary<IndexPartition, EmbeddingIndex> _partitions = new();
    private readonly FaissIndexChooserOptions _chooser;
    private readonly ILogger _logger;
    private readonly object _changes = new();
    private LatentStore? _store;
    private bool _disposed;

    public CacheIndexReplica(FaissIndexChooserOptions chooser, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(chooser);
        chooser.Validate();
        _chooser = chooser;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Subscribes to the store's events, then builds every partition from the store's entries (adopting a
    /// saved index from <paramref name="savedDirectory"/> where it matches). Events raised meanwhile wait
    /// for the build and are applied after it, so none is lost.
    /// </summary>
    public IndexStartReport Attach(LatentStore store, string? savedDirectory)
    {
        ArgumentNullException.ThrowIfNull(store);
        lock (_changes)
        {
            if (_store is not null)
            {
                throw new InvalidOperationException("the replica is already attached to a store.");
            }
            _store = store;
            DeleteSaveLeftovers(savedDirectory);
            store.EntryAdded += OnEntryAdded;
            store.EntryUpdated += OnEntryUpdated;
            store.EntryRemoved += OnEntryRemoved;

            var started = Stopwatch.GetTimestamp();
            var wanted = new Dictionary<IndexPartition, Dictionary<long, float[]>>();
            foreach (var entry in store.Entries())
            {
                foreach (var (partition, vector) in VectorsOf(entry))
                {
                    if (!wanted.TryGetValue(partition, out var vectors))
                    {
                        wanted[partition] = vectors = [];
                    }
                    vectors[entry.Key.Id.Value] = vector;
                }
            }
            var starts = new List<PartitionStart>();
            foreach (var (partition, vectors) in wanted)
            {
                var (index, loaded, reason) = Open(partition, vectors, savedDirectory);
                _partitions[partition] = index;
                starts.Add(new PartitionStart(partition, vectors.Count, loaded, reason));
            }
            var report = new IndexStartReport(starts, Stopwatch.GetElapsedTime(started));
            _logger.LogInformation("Cache index replica: {Report}", report);
            return report;
        }
    }

    /// <summary>Entries held for a mode and tenant (all widths), as a snapshot.</summary>
    public IReadOnlyCollection<long> Ids(RetrievalMode mode, TenantId tenant) =>
        _partitions.Where(p => p.Key.Mode == mode && p.Key.Tenant == tenant).SelectMany(p => p.Value.Ids()).ToHashSet();

    /// <summary>Every partition and its size.</summary>
    public IReadOnlyDictionary<IndexPartition, int> Sizes() => _partitions.ToDictionary(p => p.Key, p => p.Value.Count);

    /// <summary>Completes when every partition's HNSW graph that is being built in the background is in place (exact search answers meanwhile).</summary>
    public Task UpgradesAsync() => Task.WhenAll(_partitions.Values.Select(p => p.Upgrade).OfType<Task>());

    /// <summary>Up to <paramref name="n"/> nearest entries of each tenant in <paramref name="tenants"/>, merged, best first.</summary>
    public IReadOnlyList<IndexCandidate> Search(RetrievalMode mode, IEnumerable<TenantId> tenants, float[] unitQuery, int n)
    {
        ArgumentNullException.ThrowIfNull(unitQuery);
        var all = new List<IndexCandidate>();
        foreach (var tenant in tenants.Distinct())
        {
            if (_partitions.TryGetValue(new IndexPartition(mode, tenant, unitQuery.Length), out var index))
            {
                foreach (var (id, similarity) in index.Search(unitQuery, n))
                {
                    all.Add(new IndexCandidate(new CacheEntryKey(tenant, new CacheEntryId(id)), similarity));
                }
            }
        }
        return all.OrderByDescending(c => c.Similarity).Take(n).ToArray();
    }

    /// <summary>Saves every non-empty partition and its manifest under <paramref name="directory"/>; stale files of empty partitions are deleted.</summary>
    public void Save(string directory)
    {
        foreach (var (partition, index) in _partitions)
        {
            var basePath = Path.Combine(directory, partition.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(basePath)!);
            lock (_changes)
            {
                // under the change lock so the ids in the manifest are exactly the saved ones
                if (index.Count == 0)
                {
                    File.Delete(basePath + ".json");
                    File.Delete(basePath + ".faiss");
                    continue;
                }
                index.Save(basePath + ".faiss");
                new IndexManifest(IndexManifest.CurrentFormat, partition.ToString(), index.Factory, index.Count,
                    IndexManifest.HashIds(index.Ids())).Write(basePath + ".json");
            }
        }
    }

    public void Dispose()
    {
        lock (_changes)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_store is not null)
            {
                _store.EntryAdded -= OnEntryAdded;
                _store.EntryUpdated -= OnEntryUpdated;
                _store.EntryRemoved -= OnEntryRemoved;
            }
            foreach (var index in _partitions.Values)
            {
                index.Dispose();
            }
            _partitions.Clear();
        }
    }

    // A crash during Save leaves temporary files (AtomicFile's and FaissIndex's, both "*.tmp"); nothing reads them.
    private void DeleteSaveLeftovers(string? savedDirectory)
    {
        if (savedDirectory is null || !Directory.Exists(savedDirectory))
        {
            return;
        }
        foreach (var temp in Directory.EnumerateFiles(savedDirectory, "*" + AtomicFile.TempSuffix, SearchOption.AllDirectories))
        {
            File.Delete(temp);
            _logger.LogInformation("Deleted {Path}, left by an index save that did not finish", temp);
        }
    }

    private (EmbeddingIndex Index, bool Loaded, string Reason) Open(IndexPartition partition, Dictionary<long, float[]> vectors, string? savedDirectory)
    {
        if (savedDirectory is null)
        {
            return (EmbeddingIndex.Build(partition, _chooser, vectors), false, "no index directory");
        }
        var basePath = Path.Combine(savedDirectory, partition.RelativePath);
        var manifest = IndexManifest.TryRead(basePath + ".json");
        string reason;
        if (manifest is null || !File.Exists(basePath + ".faiss"))
        {
            reason = "no saved index";
        }
        else if (manifest.Format != IndexManifest.CurrentFormat || manifest.Partition != partition.ToString())
        {
            reason = "saved manifest is for another format or partition";
        }
        else if (manifest.Count != vectors.Count || manifest.IdsHash != IndexManifest.HashIds(vectors.Keys))
        {
            reason = $"saved index ({manifest.Count} entries) disagrees with the store ({vectors.Count} entries)";
        }
        else
        {
            FaissIndex? saved = null;
            try
            {
                saved = FaissIndex.Load(basePath + ".faiss");
            }
            catch (FaissException e)
            {
                _logger.LogWarning("Cannot read saved index {Path}: {Message}", basePath + ".faiss", e.Message);
            }
            if (saved is null)
            {
                reason = "saved index unreadable";
            }
            else if (EmbeddingIndex.Adopt(partition, _chooser, saved, manifest.Factory, vectors, out reason) is { } adopted)
            {
                return (adopted, true, "saved index matches the store");
            }
        }
        _logger.LogInformation("Rebuilding cache index {Partition} from the store: {Reason}", partition, reason);
        return (EmbeddingIndex.Build(partition, _chooser, vectors), false, reason);
    }

    private static IEnumerable<(IndexPartition, float[])> VectorsOf(CacheEntryMetadata entry)
    {
        var tenant = entry.Key.Tenant;
        if (TryUnit(entry.Entry.TextEmbedding, out var text))
        {
            yield return (new IndexPartition(RetrievalMode.PromptToPrompt, tenant, text.Length), text);
        }
        if (TryUnit(entry.ImageEmbedding, out var image))
        {
            yield return (new IndexPartition(RetrievalMode.PromptToImage, tenant, image.Length), image);
        }
    }

    private static bool TryUnit(float[]? vector, out float[] unit)
    {
        unit = [];
        if (vector is null || vector.Length == 0 || !vector.All(float.IsFinite) || vector.All(v => v == 0))
        {
            return false;
        }
        unit = EmbeddingVectors.Normalize(vector);
        return true;
    }

    private void OnEntryAdded(CacheEntryMetadata entry) => Apply(entry);

    private void OnEntryUpdated(CacheEntryMetadata entry) => Apply(entry);

    private void Apply(CacheEntryMetadata entry)
    {
        lock (_changes)
        {
            if (_disposed)
            {
                return;
            }
            foreach (var (partition, vector) in VectorsOf(entry))
            {
                var index = _partitions.GetOrAdd(partition, p => EmbeddingIndex.Build(p, _chooser, new Dictionary<long, float[]>()));
                index.Add(entry.Key.Id.Value, vector);
            }
        }
    }

    private void OnEntryRemoved(CacheEntryKey key)
    {
        lock (_changes)
        {
            if (_disposed)
            {
                return;
            }
            foreach (var (partition, index) in _partitions)
            {
                if (partition.Tenant == key.Tenant)
                {
                    index.Remove(key.Id.Value);
                }
            }
        }
    }
}

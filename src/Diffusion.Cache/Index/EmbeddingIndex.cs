using Diffusion.Kernels.Faiss;

namespace Diffusion.Cache.Index;

/// <summary>
/// The FAISS index of one partition plus the unit vectors it holds (so it can be rebuilt with another
/// plan, verified, and compared with the store). Adds and removals are idempotent: the store's events may
/// repeat. Searches run concurrently; changes are exclusive. The plan follows the size: exact Flat up to
/// the chooser's limit, HNSW above, with hysteresis on the way down. An HNSW graph is built in the background
/// (<see cref="Upgrade"/>) while the exact index answers: building one costs minutes at 100k vectors (about
/// 4 ms a vector at 512 wide on 2 cores), which would otherwise block every search, or keep a new instance
/// from reporting healthy, for that long; an exact search of 100k vectors costs tens of milliseconds.
/// </summary>
internal sealed class EmbeddingIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly FaissIndexChooser _chooser;
    private readonly FaissIndexChooserOptions _chooserOptions;
    private readonly Dictionary<long, float[]> _vectors = [];
    private FaissIndex _index;
    private bool _exact;
    private bool _disposed;
    private Task? _upgrade;

    /// <summary>Vectors added to a background HNSW build per FAISS call (a few seconds' work at 512 wide on 2 cores).</summary>
    private const int BuildChunk = 1000;

    private EmbeddingIndex(IndexPartition partition, FaissIndexChooserOptions chooserOptions, FaissIndex index, bool exact)
    {
        Partition = partition;
        _chooserOptions = chooserOptions;
        _chooser = new FaissIndexChooser(chooserOptions);
        _index = index;
        _exact = exact;
    }

    public IndexPartition Partition { get; }

    public int Dimension => Partition.Dimension;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _vectors.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Whether the FAISS index is exact (Flat) rather than HNSW.</summary>
    public bool IsExact => _exact;

    /// <summary>The background build of the HNSW graph, while one runs or after it ended (null: none was needed).</summary>
    public Task? Upgrade => Volatile.Read(ref _upgrade);

    /// <summary>The FAISS factory string of the current plan.</summary>
    public string Factory => _chooser.Choose(_exact ? 0 : _chooserOptions.ExactSearchLimit + 1).Factory;

    /// <summary>Builds a fresh index holding <paramref name="vectors"/> (unit length, this partition's width).</summary>
    /// <remarks>Exact at first; a size that calls for HNSW starts its build in the background.</remarks>
    public static EmbeddingIndex Build(IndexPartition partition, FaissIndexChooserOptions chooserOptions, IReadOnlyDictionary<long, float[]> vectors)
    {
        var chooser = new FaissIndexChooser(chooserOptions);
        var index = new EmbeddingIndex(partition, chooserOptions, chooser.Create(0, partition.Dimension, FaissMetric.InnerProduct), exact: true);
        foreach (var (id, vector) in vectors)
        {
            index._vectors[id] = CheckWidth(vector, partition.Dimension);
        }
        index.AddAllToFaiss(index._index);
        index.UpgradeIfDue();
        return index;
    }

    /// <summary>
    /// Adopts a saved FAISS index when it holds exactly <paramref name="vectors"/>: the same count, and a
    /// sample of the vectors finds itself as nearest neighbour. Returns null (and disposes it) otherwise.
    /// </summary>
    public static EmbeddingIndex? Adopt(IndexPartition partition, FaissIndexChooserOptions chooserOptions, FaissIndex saved,
        string savedFactory, IReadOnlyDictionary<long, float[]> vectors, out string reason)
    {
        reason = "";
        var plan = new FaissIndexChooser(chooserOptions).Choose(vectors.Count);
        if (savedFactory != plan.Factory)
        {
            reason = $"saved index is {savedFactory}, {vectors.Count} entries call for {plan.Factory}";
        }
        else if (saved.Dimension != partition.Dimension || saved.Metric != FaissMetric.InnerProduct)
        {
            reason = $"saved index is {saved.Metric} d{saved.Dimension}, expected inner product d{partition.Dimension}";
        }
        else if (saved.Count != vectors.Count)
        {
            reason = $"saved index holds {saved.Count} vectors, the store {vectors.Count}";
        }
        else if (!SampleFindsItself(saved, vectors))
        {
            reason = "a stored vector is not its own nearest neighbour in the saved index";
        }
        if (reason.Length > 0)
        {
            saved.Dispose();
            return null;
        }
        if (plan.HnswEfSearch is { } efSearch)
        {
            saved.SetHnswEfSearch(efSearch);
        }
        var index = new EmbeddingIndex(partition, chooserOptions, saved, plan.IsExact);
        foreach (var (id, vector) in vectors)
        {
            index._vectors[id] = CheckWidth(vector, partition.Dimension);
        }
        return index;
    }

    /// <summary>Adds a unit vector under <paramref name="id"/>; false when the id is already present.</summary>
    public bool Add(long id, float[] unitVector)
    {
        CheckWidth(unitVector, Dimension);
        _lock.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            if (_vectors.ContainsKey(id))
            {
                return false;
            }
            _vectors[id] = unitVector;
            _index.Add(unitVector, [id]);
            UpgradeIfDue();
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes <paramref name="id"/>; false when it was not present.</summary>
    public bool Remove(long id)
    {
        _lock.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            if (!_vectors.Remove(id))
            {
                return false;
            }
            // back to exact search only well below the limit, so a size near it does not flap (a Flat build is quick)
            if (!_exact && _vectors.Count < _chooserOptions.ExactSearchLimit / 2)
            {
                RebuildExact();
            }
            else
            {
                _index.Remove([id]);
            }
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Contains(long id)
    {
        _lock.EnterReadLock();
        try
        {
            return _vectors.ContainsKey(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The ids held, as a snapshot.</summary>
    public IReadOnlyCollection<long> Ids()
    {
        _lock.EnterReadLock();
        try
        {
            return _vectors.Keys.ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Up to <paramref name="n"/> nearest entries by cosine, best first.</summary>
    public IReadOnlyList<(long Id, float Similarity)> Search(ReadOnlySpan<float> unitQuery, int n)
    {
        if (unitQuery.Length != Dimension)
        {
            throw new ArgumentException($"query has {unitQuery.Length} values; partition {Partition} holds {Dimension}.", nameof(unitQuery));
        }
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            if (_vectors.Count == 0)
            {
                return [];
            }
            var k = Math.Min(n, _vectors.Count);
            var distances = new float[k];
            var ids = new long[k];
            _index.Search(unitQuery, k, distances, ids);
            var result = new List<(long, float)>(k);
            for (var i = 0; i < k; i++)
            {
                if (ids[i] >= 0)
                {
                    result.Add((ids[i], distances[i]));
                }
            }
            return result;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Writes the FAISS index (temp file, fsync, rename) under a read lock: searches go on meanwhile.</summary>
    public void Save(string path)
    {
        _lock.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            _index.Save(path);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _index.Dispose();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void RebuildExact()
    {
        var fresh = _chooser.Create(0, Dimension, FaissMetric.InnerProduct);
        AddAllToFaiss(fresh);
        _index.Dispose();
        _index = fresh;
        _exact = true;
    }

    /// <summary>Under the write lock: starts the HNSW build when the size calls for it and none runs.</summary>
    private void UpgradeIfDue()
    {
        if (!_exact || _vectors.Count <= _chooserOptions.ExactSearchLimit || _upgrade is { IsCompleted: false })
        {
            return;
        }
        var snapshot = new Dictionary<long, float[]>(_vectors);
        Volatile.Write(ref _upgrade, Task.Run(() => BuildAndSwap(snapshot)));
    }

    /// <summary>
    /// Builds the HNSW graph of <paramref name="snapshot"/> without a lock, then, under the write lock, brings it up
    /// to date with what changed meanwhile and swaps it in. Given up when the partition shrank back or was disposed;
    /// a disposal stops the build at the next chunk of <see cref="BuildChunk"/> vectors rather than minutes later.
    /// </summary>
    private void BuildAndSwap(Dictionary<long, float[]> snapshot)
    {
        var fresh = _chooser.Create(snapshot.Count, Dimension, FaissMetric.InnerProduct);
        foreach (var chunk in snapshot.Chunk(BuildChunk))
        {
            if (Volatile.Read(ref _disposed))
            {
                fresh.Dispose();
                return;
            }
            AddAllToFaiss(fresh, chunk);
        }
        _lock.EnterWriteLock();
        try
        {
            if (_disposed || !_exact || _vectors.Count <= _chooserOptions.ExactSearchLimit / 2)
            {
                fresh.Dispose();
                return;
            }
            foreach (var (id, vector) in snapshot)
            {
                if (!_vectors.TryGetValue(id, out var now) || !ReferenceEquals(now, vector))
                {
                    fresh.Remove([id]);
                }
            }
            foreach (var (id, vector) in _vectors)
            {
                if (!snapshot.TryGetValue(id, out var then) || !ReferenceEquals(then, vector))
                {
                    fresh.Add(vector, [id]);
                }
            }
            _index.Dispose();
            _index = fresh;
            _exact = false;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void AddAllToFaiss(FaissIndex target) => AddAllToFaiss(target, _vectors);

    private void AddAllToFaiss(FaissIndex target, IReadOnlyCollection<KeyValuePair<long, float[]>> vectors)
    {
        if (vectors.Count == 0)
        {
            return;
        }
        var ids = new long[vectors.Count];
        var flat = new float[vectors.Count * Dimension];
        var i = 0;
        foreach (var (id, vector) in vectors)
        {
            ids[i] = id;
            vector.CopyTo(flat, i * Dimension);
            i++;
        }
        target.Add(flat, ids);
    }

    private static bool SampleFindsItself(FaissIndex saved, IReadOnlyDictionary<long, float[]> vectors)
    {
        // a spread of up to 16 entries must each be found with inner product ≈ 1 (unit vectors); an exact
        // duplicate vector may rank another id first, so the id only has to be among the top few
        var step = Math.Max(1, vectors.Count / 16);
        var i = 0;
        foreach (var (id, vector) in vectors)
        {
            if (i++ % step != 0)
            {
                continue;
            }
            var hits = saved.Search(vector, Math.Min(4, vectors.Count));
            var ids = hits.IdsOf(0);
            var distances = hits.DistancesOf(0);
            var found = false;
            for (var j = 0; j < ids.Length; j++)
            {
                if (ids[j] == id && distances[j] >= 1 - 1e-3f)
                {
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                return false;
            }
        }
        return true;
    }

    private static float[] CheckWidth(float[] vector, int dimension) => vector.Length == dimension
        ? vector
        : throw new ArgumentException($"vector has {vector.Length} values; the partition holds {dimension}.", nameof(vector));

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

namespace Diffusion.Kernels.Faiss;

/// <summary>
/// A FAISS index (any index_factory string: "Flat", "HNSW32", "IVF256,Flat" ...) whose vectors carry
/// caller-chosen non-negative 64-bit ids. Vectors are passed flat: n vectors of <see cref="Dimension"/> floats.
/// </summary>
/// <remarks>
/// Thread safety: any number of <see cref="Search(ReadOnlySpan{float}, int)"/>, <see cref="Count"/> and
/// <see cref="IsTrained"/> calls may run at once (FAISS searches are read-only); <see cref="Add"/>,
/// <see cref="Remove"/>, <see cref="Train"/>, <see cref="Compact"/>, the setters and <see cref="Save"/> are
/// exclusive. A reader/writer lock inside enforces this. Disposing while other calls run is a caller error.
/// Removal: Flat-family indexes delete in place; HNSW and IVF mark removed vectors dead, never return them,
/// and drop them for good when a quarter of the stored vectors are dead, on <see cref="Compact"/> or on Save.
/// </remarks>
public sealed unsafe class FaissIndex : IDisposable
{
    private readonly FaissIndexHandle handle;

    // Not disposed with the index: a thread still waiting on it must see ObjectDisposedException from
    // ThrowIfDisposed, not a disposed lock.
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private bool disposed;

    private FaissIndex(FaissIndexHandle handle)
    {
        this.handle = handle;
        FaissNative.Check(FaissNative.Dimension(handle, out var dim), "dimension");
        FaissNative.Check(FaissNative.Metric(handle, out var metric), "metric");
        Dimension = dim;
        Metric = (FaissMetric)metric;
    }

    public int Dimension { get; }

    public FaissMetric Metric { get; }

    /// <summary>Live vectors (removed ones excluded).</summary>
    public long Count => Read(() =>
    {
        FaissNative.Check(FaissNative.Count(handle, out var count), "count");
        return count;
    });

    /// <summary>False only for index kinds that need <see cref="Train"/> (IVF, PQ) before the first Add.</summary>
    public bool IsTrained => Read(() =>
    {
        FaissNative.Check(FaissNative.IsTrained(handle, out var trained), "is_trained");
        return trained != 0;
    });

    /// <summary>Creates an empty index. A bad factory string gives a <see cref="FaissException"/> with FAISS's message.</summary>
    public static FaissIndex Create(string factory, int dimension, FaissMetric metric)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(factory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown FAISS metric");
        }

        FaissLibrary.EnsureLoaded();
        var status = FaissNative.Create(factory, dimension, (int)metric, out var handle);
        return Wrap(status, handle, $"create('{factory}', dim {dimension})");
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    public static FaissIndex Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"FAISS index file '{fullPath}' does not exist", fullPath);
        }

        FaissLibrary.EnsureLoaded();
        var status = FaissNative.Read(fullPath, out var handle);
        return Wrap(status, handle, $"read('{fullPath}')");
    }

    public void Train(ReadOnlySpan<float> vectors)
    {
        var n = VectorCount(vectors, nameof(vectors));
        ArgumentOutOfRangeException.ThrowIfZero(n, nameof(vectors));
        EnterWrite();
        try
        {
            fixed (float* x = vectors)
            {
                FaissNative.Check(FaissNative.Train(handle, n, x), "train");
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Adds vectors with their ids. Ids must be non-negative and not already present; otherwise nothing is added.</summary>
    public void Add(ReadOnlySpan<float> vectors, ReadOnlySpan<long> ids)
    {
        var n = VectorCount(vectors, nameof(vectors));
        if (ids.Length != n)
        {
            throw new ArgumentException($"{n} vectors but {ids.Length} ids", nameof(ids));
        }

        EnterWrite();
        try
        {
            fixed (float* x = vectors)
            fixed (long* xids = ids)
            {
                FaissNative.Check(FaissNative.Add(handle, n, x, xids), "add");
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    public FaissSearchResult Search(ReadOnlySpan<float> queries, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var n = VectorCount(queries, nameof(queries));
        var distances = new float[checked(n * k)];
        var ids = new long[distances.Length];
        Search(queries, k, distances, ids);
        return new FaissSearchResult(n, k, distances, ids);
    }

    /// <summary>Allocation-free search into caller buffers of (queries / Dimension) x k entries.</summary>
    public void Search(ReadOnlySpan<float> queries, int k, Span<float> distances, Span<long> ids)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var n = VectorCount(queries, nameof(queries));
        var needed = (long)n * k;
        if (distances.Length < needed || ids.Length < needed)
        {
            throw new ArgumentException($"distances and ids need {needed} entries ({n} queries x k {k})");
        }

        if (n == 0)
        {
            return;
        }

        EnterRead();
        try
        {
            fixed (float* x = queries)
            fixed (float* d = distances)
            fixed (long* l = ids)
            {
                FaissNative.Check(FaissNative.Search(handle, n, x, k, d, l), "search");
            }
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    /// <summary>Removes the vectors with these ids; ids not present are ignored. Returns how many were removed.</summary>
    public long Remove(ReadOnlySpan<long> ids)
    {
        if (ids.IsEmpty)
        {
            return 0;
        }

        EnterWrite();
        try
        {
            fixed (long* x = ids)
            {
                FaissNative.Check(FaissNative.Remove(handle, ids.Length, x, out var removed), "remove");
                return removed;
            }
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    /// <summary>Drops removed (dead) HNSW/IVF vectors now rather than at the automatic threshold.</summary>
    public void Compact() => Write(() => FaissNative.Check(FaissNative.Compact(handle), "compact"));

    /// <summary>HNSW only: candidates kept per search; higher is slower and more accurate (FAISS's default is 16).</summary>
    public void SetHnswEfSearch(int efSearch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(efSearch);
        Write(() => FaissNative.Check(FaissNative.SetHnswEfSearch(handle, efSearch), "set efSearch"));
    }

    /// <summary>IVF only: inverted lists visited per search.</summary>
    public void SetIvfNprobe(int nprobe)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nprobe);
        Write(() => FaissNative.Check(FaissNative.SetIvfNprobe(handle, nprobe), "set nprobe"));
    }

    /// <summary>Writes the index atomically: a synced temporary file beside the target, renamed over it,
    /// then the directory synced. A crash leaves either the old file or the new one, never a torn one.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{fullPath}' has no parent directory", nameof(path));
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // Exclusive: writing compacts dead HNSW/IVF vectors first.
            Write(() => FaissNative.Check(FaissNative.Write(handle, temporary), $"write('{temporary}')"));
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        FaissNative.Check(FaissNative.SyncPath(directory), $"sync('{directory}')");
    }

    public void Dispose()
    {
        gate.EnterWriteLock();
        try
        {
            disposed = true;
            handle.Dispose();
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }

    private static FaissIndex Wrap(int status, FaissIndexHandle handle, string operation)
    {
        var wrapped = false;
        try
        {
            FaissNative.Check(status, operation);
            var index = new FaissIndex(handle);
            wrapped = true;
            return index;
        }
        finally
        {
            if (!wrapped)
            {
                handle.Dispose();
            }
        }
    }

    private int VectorCount(ReadOnlySpan<float> vectors, string name)
    {
        if (vectors.Length % Dimension != 0)
        {
            throw new ArgumentException(
                $"length {vectors.Length} is not a multiple of the index dimension {Dimension}", name);
        }

        return vectors.Length / Dimension;
    }

    private void EnterRead()
    {
        gate.EnterReadLock();
        if (disposed)
        {
            gate.ExitReadLock();
            throw new ObjectDisposedException(nameof(FaissIndex));
        }
    }

    private T Read<T>(Func<T> body)
    {
        EnterRead();
        try
        {
            return body();
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    private void EnterWrite()
    {
        gate.EnterWriteLock();
        if (disposed)
        {
            gate.ExitWriteLock();
            throw new ObjectDisposedException(nameof(FaissIndex));
        }
    }

    private void Write(Action body)
    {
        EnterWrite();
        try
        {
            body();
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }
}

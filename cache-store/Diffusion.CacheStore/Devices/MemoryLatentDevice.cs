using System.Runtime.CompilerServices;

namespace Diffusion.CacheStore;

/// <summary>
/// Latent blobs in memory, for tests and benchmarks. It can play a full disk (<see cref="CapacityBytes"/>,
/// <see cref="FailWrites"/>) and remembers the most bytes it ever held, so tests can check the budget.
/// </summary>
public sealed class MemoryLatentDevice : ILatentDevice
{
    private readonly Dictionary<LatentKey, byte[]> _blobs = new();
    private readonly Lock _gate = new();
    private long _totalBytes;
    private long _peakBytes;

    public bool IsShared => false;

    /// <summary>Writes that would take the device above this many bytes fail like a full disk.</summary>
    public long CapacityBytes { get; set; } = long.MaxValue;

    /// <summary>When set, every write fails with "no space left on device".</summary>
    public bool FailWrites { get; set; }

    public long TotalBytes
    {
        get { lock (_gate) { return _totalBytes; } }
    }

    public long PeakBytes
    {
        get { lock (_gate) { return _peakBytes; } }
    }

    public int Count
    {
        get { lock (_gate) { return _blobs.Count; } }
    }

    public ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            long previous = _blobs.TryGetValue(key, out var old) ? old.Length : 0;
            long after = _totalBytes - previous + blob.Length;
            if (FailWrites || after > CapacityBytes)
            {
                throw new IOException("No space left on device (simulated).");
            }
            _blobs[key] = blob.ToArray();
            _totalBytes = after;
            _peakBytes = Math.Max(_peakBytes, _totalBytes);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_blobs.TryGetValue(key, out var blob) ? (byte[]?)blob.ToArray() : null);
        }
    }

    public ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_blobs.Remove(key, out var blob))
            {
                return ValueTask.FromResult(false);
            }
            _totalBytes -= blob.Length;
            return ValueTask.FromResult(true);
        }
    }

    public async IAsyncEnumerable<LatentKey> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        LatentKey[] keys;
        lock (_gate)
        {
            keys = [.. _blobs.Keys];
        }
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return key;
        }
    }

    public ValueTask<int> RemoveLeftoversAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0);

    /// <summary>Test access: replaces a blob's bytes directly (to plant corrupt or orphan blobs).</summary>
    public void PutRaw(LatentKey key, byte[] blob)
    {
        lock (_gate)
        {
            long previous = _blobs.TryGetValue(key, out var old) ? old.Length : 0;
            _blobs[key] = blob;
            _totalBytes += blob.Length - previous;
            _peakBytes = Math.Max(_peakBytes, _totalBytes);
        }
    }

    public bool Contains(LatentKey key)
    {
        lock (_gate)
        {
            return _blobs.ContainsKey(key);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

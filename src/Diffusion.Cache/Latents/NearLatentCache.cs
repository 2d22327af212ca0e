using Diffusion.CacheStore;

namespace Diffusion.Cache.Latents;

/// <summary>
/// A small in-memory LRU of latents this instance recently stored or read, bounded in bytes. It saves a
/// device read on popular entries and, with a shared (Redis) store, keeps serving them while Redis is
/// away. It never decides what exists: a lookup uses it only for latents the store still lists. Values
/// are kept at fp16 precision, as the store returns them, so a hit is the same wherever it is served from.
/// </summary>
internal sealed class NearLatentCache
{
    private readonly long _maxBytes;
    private readonly object _gate = new();
    private readonly Dictionary<LatentKey, LinkedListNode<(LatentKey Key, float[] Values)>> _nodes = [];
    private readonly LinkedList<(LatentKey Key, float[] Values)> _recency = new();
    private long _bytes;

    public NearLatentCache(long maxBytes)
    {
        _maxBytes = Math.Max(0, maxBytes);
    }

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public void Put(LatentKey key, ReadOnlySpan<float> values)
    {
        var bytes = (long)values.Length * sizeof(float);
        if (bytes > _maxBytes)
        {
            return;
        }
        var copy = new float[values.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = (float)(Half)values[i];
        }
        lock (_gate)
        {
            RemoveLocked(key);
            _nodes[key] = _recency.AddFirst((key, copy));
            _bytes += bytes;
            while (_bytes > _maxBytes && _recency.Last is { } oldest)
            {
                RemoveLocked(oldest.Value.Key);
            }
        }
    }

    /// <summary>A copy of the latent when held (the caller may modify it).</summary>
    public float[]? TryGet(LatentKey key)
    {
        lock (_gate)
        {
            if (!_nodes.TryGetValue(key, out var node))
            {
                return null;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            return (float[])node.Value.Values.Clone();
        }
    }

    /// <summary>Forgets every K of an entry (it left the store).</summary>
    public void Remove(CacheEntryKey entry)
    {
        lock (_gate)
        {
            foreach (var key in _nodes.Keys.Where(k => k.Entry == entry).ToArray())
            {
                RemoveLocked(key);
            }
        }
    }

    private void RemoveLocked(LatentKey key)
    {
        if (_nodes.Remove(key, out var node))
        {
            _recency.Remove(node);
            _bytes -= (long)node.Value.Values.Length * sizeof(float);
        }
    }
}

using System.Runtime.InteropServices;

namespace Diffusion.Engine.Memory;

/// <summary>
/// The "device" memory: one pinned, 64-byte-aligned native buffer carved into fixed blocks, with
/// reference counts, a free list ordered least-recently-freed first, and the prefix cache (full
/// blocks keyed by <see cref="BlockHash"/>). A freed block keeps its hash while it waits in the
/// free queue, so a later request with the same prefix can revive it; a block taken from the queue
/// for reuse drops its hash. Not thread-safe: the engine loop is its only user.
/// </summary>
public sealed unsafe class BlockPool : IDisposable
{
    private const int Alignment = 64;
    private readonly int[] _refCounts;
    private readonly BlockHash[] _hashes;
    private readonly bool[] _hasHash;
    private readonly Dictionary<BlockHash, BlockId> _cache = new();
    private readonly FreeBlockQueue _free;
    private readonly int _planeBlockFloats;
    private readonly long _planeStrideFloats;
    private byte* _memory;

    public BlockPool(BlockPoolOptions options)
    {
        options.Validate();
        NumBlocks = options.NumBlocks;
        Planes = options.Planes;
        PlaneBlockBytes = options.PlaneBlockBytes;
        _planeBlockFloats = PlaneBlockBytes / sizeof(float);
        // Every plane starts on a 64-byte boundary (the attention kernel's 512-bit loads), whatever the
        // block geometry: planes are padded to a whole number of cache lines.
        long floatsPerLine = Alignment / sizeof(float);
        _planeStrideFloats = ((long)NumBlocks * _planeBlockFloats + floatsPerLine - 1) / floatsPerLine * floatsPerLine;
        TotalBytes = Planes * _planeStrideFloats * sizeof(float);
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)TotalBytes, Alignment);
        NativeMemory.Clear(_memory, (nuint)TotalBytes);
        _refCounts = new int[NumBlocks];
        _hashes = new BlockHash[NumBlocks];
        _hasHash = new bool[NumBlocks];
        _free = new FreeBlockQueue(NumBlocks);
    }

    public int NumBlocks { get; }

    public int Planes { get; }

    public int PlaneBlockBytes { get; }

    public int PlaneBlockFloats => _planeBlockFloats;

    /// <summary>Floats of one block across all planes.</summary>
    public int BlockFloats => _planeBlockFloats * Planes;

    public long TotalBytes { get; }

    /// <summary>Blocks nobody references (some of them still cached and revivable).</summary>
    public int FreeBlocks => _free.Count;

    public int UsedBlocks => NumBlocks - _free.Count;

    /// <summary>Free blocks that still hold a cached prefix.</summary>
    public int CachedFreeBlocks { get; private set; }

    /// <summary>Blocks referenced more than once (shared prefixes, forks).</summary>
    public int SharedBlocks { get; private set; }

    /// <summary>Cached blocks that were revived from the free queue by a new reference.</summary>
    public long Revivals { get; private set; }

    /// <summary>Cached blocks whose content was dropped because the block was reused.</summary>
    public long Evictions { get; private set; }

    public int GetRefCount(BlockId block) => _refCounts[Check(block)];

    public BlockHash? GetHash(BlockId block) => _hasHash[Check(block)] ? _hashes[block.Value] : null;

    public bool IsFree(BlockId block) => _free.Contains(Check(block));

    /// <summary>
    /// Takes <paramref name="count"/> blocks (all or none) from the front of the free queue, each with
    /// one reference. Returns false, changing nothing, when fewer are free.
    /// </summary>
    public bool TryAllocate(int count, List<BlockId> into)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _free.Count)
        {
            return false;
        }

        for (int i = 0; i < count; i++)
        {
            int b = _free.PopFront();
            if (_hasHash[b])
            {
                DropHash(b);
                CachedFreeBlocks--;
                Evictions++;
            }

            _refCounts[b] = 1;
            into.Add(new BlockId(b));
        }

        return true;
    }

    /// <summary>Adds a reference; a free (cached) block is revived out of the free queue.</summary>
    public void Retain(BlockId block)
    {
        int b = Check(block);
        if (_refCounts[b] == 0)
        {
            _free.Remove(b);
            if (_hasHash[b])
            {
                CachedFreeBlocks--;
                Revivals++;
            }
        }
        else if (_refCounts[b] == 1)
        {
            SharedBlocks++;
        }

        _refCounts[b]++;
    }

    /// <summary>Drops a reference; at zero the block joins the back of the free queue, hash kept.</summary>
    public void Release(BlockId block)
    {
        int b = Check(block);
        if (_refCounts[b] <= 0)
        {
            throw new InvalidOperationException($"{block} released more times than it was referenced");
        }

        _refCounts[b]--;
        if (_refCounts[b] == 1)
        {
            SharedBlocks--;
        }
        else if (_refCounts[b] == 0)
        {
            _free.PushBack(b);
            if (_hasHash[b])
            {
                CachedFreeBlocks++;
            }
        }
    }

    /// <summary>The block holding this full prefix, referenced or free, if any.</summary>
    public bool TryGetCached(BlockHash hash, out BlockId block) => _cache.TryGetValue(hash, out block);

    /// <summary>
    /// Records that a referenced, full block holds the prefix <paramref name="hash"/>. When another block
    /// already holds it, this one stays unhashed (a duplicate) and false is returned.
    /// </summary>
    public bool TryCache(BlockId block, BlockHash hash)
    {
        int b = Check(block);
        if (_refCounts[b] == 0)
        {
            throw new InvalidOperationException($"{block} must be referenced to be cached");
        }

        if (_hasHash[b] || !_cache.TryAdd(hash, block))
        {
            return false;
        }

        _hashes[b] = hash;
        _hasHash[b] = true;
        return true;
    }

    /// <summary>One layer-plane of the whole pool: [numBlocks × PlaneBlockFloats] floats.</summary>
    public Span<float> GetPlane(int plane)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plane);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(plane, Planes);
        return new Span<float>(Base() + (plane * _planeStrideFloats), NumBlocks * _planeBlockFloats);
    }

    /// <summary>Block <paramref name="block"/>'s segment of one plane.</summary>
    public Span<float> GetSegment(BlockId block, int plane)
    {
        int b = Check(block);
        return GetPlane(plane).Slice(b * _planeBlockFloats, _planeBlockFloats);
    }

    /// <summary>Copies every plane of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public void CopyBlock(BlockId source, BlockId destination)
    {
        for (int p = 0; p < Planes; p++)
        {
            GetSegment(source, p).CopyTo(GetSegment(destination, p));
        }
    }

    /// <summary>Copies a block's planes, one after the other, into host memory.</summary>
    public void ReadBlock(BlockId block, Span<float> destination)
    {
        for (int p = 0; p < Planes; p++)
        {
            GetSegment(block, p).CopyTo(destination.Slice(p * _planeBlockFloats, _planeBlockFloats));
        }
    }

    /// <summary>Inverse of <see cref="ReadBlock"/>.</summary>
    public void WriteBlock(BlockId block, ReadOnlySpan<float> source)
    {
        for (int p = 0; p < Planes; p++)
        {
            source.Slice(p * _planeBlockFloats, _planeBlockFloats).CopyTo(GetSegment(block, p));
        }
    }

    public void Dispose()
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }

    private float* Base()
    {
        ObjectDisposedException.ThrowIf(_memory == null, this);
        return (float*)_memory;
    }

    private void DropHash(int b)
    {
        if (_cache.TryGetValue(_hashes[b], out BlockId owner) && owner.Value == b)
        {
            _cache.Remove(_hashes[b]);
        }

        _hasHash[b] = false;
        _hashes[b] = default;
    }

    private int Check(BlockId block)
    {
        if ((uint)block.Value >= (uint)NumBlocks)
        {
            throw new ArgumentOutOfRangeException(nameof(block), $"{block} is outside a pool of {NumBlocks} blocks");
        }

        return block.Value;
    }
}

namespace Diffusion.Engine.Memory;

/// <summary>
/// Per-sequence block tables over a <see cref="BlockPool"/> (vLLM's KV cache manager): allocation of
/// slots for new tokens with an Ok/Later/Never answer, automatic prefix caching of full blocks,
/// copy-on-write of a shared partial block, forks that share every block, swap to host memory, and
/// opaque whole-block buffers for diffusion latents. Not thread-safe: the engine loop is its only user.
/// </summary>
public sealed class KvCacheManager
{
    private readonly BlockPool _pool;
    private readonly Dictionary<SequenceId, SequenceBlocks> _sequences = new();
    private readonly int[] _filled;
    private readonly bool[] _opaque;
    private readonly List<BlockId> _scratch = new();
    private readonly List<(BlockId Block, BlockHash Hash)> _hits = new();
    private long _prefixQueries;
    private long _prefixHitBlocks;
    private long _copyOnWrites;
    private long _swappedOutBlocks;
    private long _swappedInBlocks;

    public KvCacheManager(BlockPool pool, KvCacheOptions options)
    {
        options.Validate();
        _pool = pool;
        BlockSize = options.BlockSize;
        PrefixCaching = options.EnablePrefixCaching;
        _filled = new int[pool.NumBlocks];
        _opaque = new bool[pool.NumBlocks];
    }

    public BlockPool Pool => _pool;

    public int BlockSize { get; }

    public bool PrefixCaching { get; }

    public int SequenceCount => _sequences.Count;

    public bool Contains(SequenceId sequence) => _sequences.ContainsKey(sequence);

    public int GetComputedTokens(SequenceId sequence) => Get(sequence).ComputedTokens;

    public IReadOnlyList<BlockId> GetBlockTable(SequenceId sequence) => Get(sequence).Blocks;

    /// <summary>Physical block indices of the sequence, as the attention kernel takes them.</summary>
    public int[] CopyBlockTable(SequenceId sequence)
    {
        List<BlockId> blocks = Get(sequence).Blocks;
        var table = new int[blocks.Count];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = blocks[i].Value;
        }

        return table;
    }

    /// <summary>
    /// Tokens of <paramref name="tokens"/> whose KV a new sequence would find in the prefix cache: whole
    /// blocks only, and never the last token (its logits must be computed). Changes nothing.
    /// </summary>
    public int CountCachedPrefixTokens(ReadOnlySpan<int> tokens) => FindCachedPrefix(tokens, null) * BlockSize;

    /// <summary>Blocks a sequence of <paramref name="tokens"/> tokens occupies.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Makes room for the KV of the next <paramref name="newTokens"/> tokens of a sequence whose known
    /// tokens are <paramref name="tokens"/>. A sequence the manager has not seen starts from its cached
    /// prefix. A shared partial tail block is copied first (copy-on-write). On Later or Never nothing changes.
    /// </summary>
    public AllocationStatus AllocateSlots(SequenceId sequence, ReadOnlySpan<int> tokens, int newTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newTokens);
        _sequences.TryGetValue(sequence, out SequenceBlocks? seq);
        _hits.Clear();
        if (seq is null)
        {
            FindCachedPrefix(tokens, _hits);
        }

        int computed = seq?.ComputedTokens ?? _hits.Count * BlockSize;
        int haveBlocks = seq?.Blocks.Count ?? _hits.Count;
        int needTokens = computed + newTokens;
        if (needTokens > tokens.Length)
        {
            throw new ArgumentException(
                $"{sequence}: {needTokens} tokens would be computed but only {tokens.Length} are known");
        }

        int needBlocks = BlocksFor(needTokens);
        if (needBlocks > _pool.NumBlocks)
        {
            return AllocationStatus.Never;
        }

        int newBlocks = Math.Max(0, needBlocks - haveBlocks);
        // The block that receives the first new token; if another sequence also references it, the
        // write must go to a private copy.
        int tail = computed / BlockSize;
        bool copyOnWrite = seq is not null && newTokens > 0 && tail < seq.Blocks.Count
            && _pool.GetRefCount(seq.Blocks[tail]) > 1;
        int revived = 0;
        foreach ((BlockId block, _) in _hits)
        {
            revived += _pool.GetRefCount(block) == 0 ? 1 : 0;
        }

        if (newBlocks + (copyOnWrite ? 1 : 0) + revived > _pool.FreeBlocks)
        {
            return AllocationStatus.Later;
        }

        if (seq is null)
        {
            seq = new SequenceBlocks { ComputedTokens = computed };
            _prefixQueries++;
            _prefixHitBlocks += _hits.Count;
            foreach ((BlockId block, BlockHash hash) in _hits)
            {
                _pool.Retain(block);
                seq.Blocks.Add(block);
                seq.Hashes.Add(hash);
            }

            _sequences.Add(sequence, seq);
        }

        if (copyOnWrite)
        {
            CopyTail(seq, tail, computed % BlockSize);
        }

        AllocateFresh(newBlocks, seq.Blocks);
        return AllocationStatus.Ok;
    }

    /// <summary>
    /// Records that the KV of the next <paramref name="newTokens"/> tokens was written; blocks that
    /// became full join the prefix cache.
    /// </summary>
    public void CommitComputed(SequenceId sequence, ReadOnlySpan<int> tokens, int newTokens)
    {
        SequenceBlocks seq = Get(sequence);
        int from = seq.ComputedTokens;
        int to = from + newTokens;
        if (newTokens < 0 || to > seq.Blocks.Count * BlockSize || to > tokens.Length)
        {
            throw new ArgumentException($"{sequence}: cannot commit {newTokens} tokens after {from}");
        }

        seq.ComputedTokens = to;
        for (int b = from / BlockSize; b * BlockSize < to; b++)
        {
            int held = Math.Min(BlockSize, to - b * BlockSize);
            int physical = seq.Blocks[b].Value;
            _filled[physical] = Math.Max(_filled[physical], held);
        }

        if (!PrefixCaching)
        {
            return;
        }

        while (seq.Hashes.Count < to / BlockSize)
        {
            int i = seq.Hashes.Count;
            BlockHash? parent = i == 0 ? null : seq.Hashes[i - 1];
            BlockHash hash = BlockHash.Of(parent, tokens.Slice(i * BlockSize, BlockSize));
            seq.Hashes.Add(hash);
            _pool.TryCache(seq.Blocks[i], hash);
        }
    }

    /// <summary>Makes <paramref name="child"/> share every block of <paramref name="parent"/>.</summary>
    public void Fork(SequenceId parent, SequenceId child)
    {
        SequenceBlocks source = Get(parent);
        if (_sequences.ContainsKey(child))
        {
            throw new InvalidOperationException($"{child} already has blocks");
        }

        var copy = new SequenceBlocks { ComputedTokens = source.ComputedTokens };
        foreach (BlockId block in source.Blocks)
        {
            _pool.Retain(block);
            copy.Blocks.Add(block);
        }

        copy.Hashes.AddRange(source.Hashes);
        _sequences.Add(child, copy);
    }

    /// <summary>Returns the sequence's references, last block first (so a prefix outlives its tail in the cache).</summary>
    public void Free(SequenceId sequence)
    {
        if (!_sequences.Remove(sequence, out SequenceBlocks? seq))
        {
            return;
        }

        for (int i = seq.Blocks.Count - 1; i >= 0; i--)
        {
            _pool.Release(seq.Blocks[i]);
        }
    }

    /// <summary>Copies the sequences' blocks to host memory (shared blocks once) and frees them.</summary>
    public SwappedBlocks SwapOut(IReadOnlyList<SequenceId> sequences)
    {
        var index = new Dictionary<BlockId, int>();
        var unique = new List<BlockId>();
        var saved = new List<SwappedBlocks.SwappedSequence>();
        foreach (SequenceId id in sequences)
        {
            SequenceBlocks seq = Get(id);
            var indices = new int[seq.Blocks.Count];
            for (int i = 0; i < indices.Length; i++)
            {
                if (!index.TryGetValue(seq.Blocks[i], out indices[i]))
                {
                    indices[i] = unique.Count;
                    index.Add(seq.Blocks[i], unique.Count);
                    unique.Add(seq.Blocks[i]);
                }
            }

            saved.Add(new SwappedBlocks.SwappedSequence(id, seq.ComputedTokens, indices, seq.Hashes.ToArray()));
        }

        int blockFloats = _pool.BlockFloats;
        var data = new float[(long)unique.Count * blockFloats];
        var filled = new int[unique.Count];
        for (int i = 0; i < unique.Count; i++)
        {
            _pool.ReadBlock(unique[i], data.AsSpan(i * blockFloats, blockFloats));
            filled[i] = _filled[unique[i].Value];
        }

        foreach (SequenceId id in sequences)
        {
            Free(id);
        }

        _swappedOutBlocks += unique.Count;
        return new SwappedBlocks(data, filled, saved);
    }

    /// <summary>Brings swapped sequences back into fresh blocks; on Later or Never nothing changes.</summary>
    public AllocationStatus SwapIn(SwappedBlocks swapped)
    {
        foreach (SwappedBlocks.SwappedSequence s in swapped.Sequences)
        {
            if (_sequences.ContainsKey(s.Id))
            {
                throw new InvalidOperationException($"{s.Id} is already resident");
            }
        }

        if (swapped.BlockCount > _pool.NumBlocks)
        {
            return AllocationStatus.Never;
        }

        _scratch.Clear();
        if (!_pool.TryAllocate(swapped.BlockCount, _scratch))
        {
            return AllocationStatus.Later;
        }

        int blockFloats = _pool.BlockFloats;
        var used = new bool[swapped.BlockCount];
        for (int i = 0; i < _scratch.Count; i++)
        {
            _pool.WriteBlock(_scratch[i], swapped.Data.AsSpan(i * blockFloats, blockFloats));
            _filled[_scratch[i].Value] = swapped.Filled[i];
            _opaque[_scratch[i].Value] = false;
        }

        foreach (SwappedBlocks.SwappedSequence s in swapped.Sequences)
        {
            var seq = new SequenceBlocks { ComputedTokens = s.ComputedTokens };
            foreach (int i in s.BlockIndices)
            {
                if (used[i])
                {
                    _pool.Retain(_scratch[i]);
                }

                used[i] = true;
                seq.Blocks.Add(_scratch[i]);
            }

            seq.Hashes.AddRange(s.Hashes);
            for (int i = 0; i < s.Hashes.Length; i++)
            {
                _pool.TryCache(seq.Blocks[i], s.Hashes[i]);
            }

            _sequences.Add(s.Id, seq);
        }

        _swappedInBlocks += swapped.BlockCount;
        return AllocationStatus.Ok;
    }

    /// <summary>Whole blocks for <paramref name="bytes"/> of float storage (a diffusion job's latents).</summary>
    public AllocationStatus AllocateOpaque(long bytes, out OpaqueBuffer? buffer)
    {
        if (bytes <= 0 || bytes % sizeof(float) != 0)
        {
            throw new ArgumentException($"an opaque buffer needs a positive multiple of 4 bytes (got {bytes})");
        }

        buffer = null;
        long blocks = (bytes + _pool.BlockFloats * (long)sizeof(float) - 1) / (_pool.BlockFloats * (long)sizeof(float));
        if (blocks > _pool.NumBlocks)
        {
            return AllocationStatus.Never;
        }

        var created = new OpaqueBuffer(_pool, bytes, (int)blocks);
        if (!TakeOpaqueBlocks(created))
        {
            return AllocationStatus.Later;
        }

        buffer = created;
        return AllocationStatus.Ok;
    }

    /// <summary>Copies the buffer to host memory and frees its blocks.</summary>
    public void SwapOut(OpaqueBuffer buffer)
    {
        if (!buffer.IsResident)
        {
            throw new InvalidOperationException("the buffer is not resident");
        }

        var host = new float[buffer.Floats];
        buffer.CopyTo(host);
        buffer.HostCopy = host;
        _swappedOutBlocks += buffer.BlockCount;
        ReleaseOpaqueBlocks(buffer);
    }

    /// <summary>Brings a swapped-out buffer back; on Later nothing changes.</summary>
    public AllocationStatus SwapIn(OpaqueBuffer buffer)
    {
        if (buffer.IsResident || buffer.HostCopy is null)
        {
            throw new InvalidOperationException("the buffer is not swapped out");
        }

        if (!TakeOpaqueBlocks(buffer))
        {
            return AllocationStatus.Later;
        }

        buffer.CopyFrom(buffer.HostCopy);
        buffer.HostCopy = null;
        _swappedInBlocks += buffer.BlockCount;
        return AllocationStatus.Ok;
    }

    /// <summary>Frees the buffer's blocks (or its host copy); it cannot be used afterwards.</summary>
    public void Release(OpaqueBuffer buffer)
    {
        ReleaseOpaqueBlocks(buffer);
        buffer.HostCopy = null;
        buffer.IsReleased = true;
    }

    public KvCacheStats GetStats()
    {
        long allocated = 0, filled = 0;
        int opaque = 0;
        for (int b = 0; b < _pool.NumBlocks; b++)
        {
            var id = new BlockId(b);
            if (_pool.IsFree(id))
            {
                continue;
            }

            if (_opaque[b])
            {
                opaque++;
                continue;
            }

            allocated += BlockSize;
            filled += _filled[b];
        }

        long logical = 0, logicalBlocks = 0;
        foreach (SequenceBlocks seq in _sequences.Values)
        {
            logical += seq.ComputedTokens;
            logicalBlocks += seq.Blocks.Count;
        }

        return new KvCacheStats(
            TotalBlocks: _pool.NumBlocks,
            UsedBlocks: _pool.UsedBlocks,
            FreeBlocks: _pool.FreeBlocks,
            CachedFreeBlocks: _pool.CachedFreeBlocks,
            SharedBlocks: _pool.SharedBlocks,
            OpaqueBlocks: opaque,
            AllocatedSlots: allocated,
            FilledSlots: filled,
            LogicalTokens: logical,
            LogicalBlocks: logicalBlocks,
            PrefixQueries: _prefixQueries,
            PrefixHitBlocks: _prefixHitBlocks,
            PrefixHitTokens: _prefixHitBlocks * BlockSize,
            Revivals: _pool.Revivals,
            Evictions: _pool.Evictions,
            CopyOnWrites: _copyOnWrites,
            SwappedOutBlocks: _swappedOutBlocks,
            SwappedInBlocks: _swappedInBlocks);
    }

    private int FindCachedPrefix(ReadOnlySpan<int> tokens, List<(BlockId, BlockHash)>? hits)
    {
        if (!PrefixCaching || tokens.Length == 0)
        {
            return 0;
        }

        int maxBlocks = (tokens.Length - 1) / BlockSize;
        BlockHash? parent = null;
        int found = 0;
        for (; found < maxBlocks; found++)
        {
            BlockHash hash = BlockHash.Of(parent, tokens.Slice(found * BlockSize, BlockSize));
            if (!_pool.TryGetCached(hash, out BlockId block))
            {
                break;
            }

            hits?.Add((block, hash));
            parent = hash;
        }

        return found;
    }

    private void CopyTail(SequenceBlocks seq, int index, int heldTokens)
    {
        _scratch.Clear();
        if (!_pool.TryAllocate(1, _scratch))
        {
            throw new InvalidOperationException("copy-on-write found no free block after the check");
        }

        BlockId shared = seq.Blocks[index];
        BlockId copy = _scratch[0];
        _pool.CopyBlock(shared, copy);
        _filled[copy.Value] = heldTokens;
        _opaque[copy.Value] = false;
        seq.Blocks[index] = copy;
        _pool.Release(shared);
        _copyOnWrites++;
    }

    private void AllocateFresh(int count, List<BlockId> into)
    {
        int start = into.Count;
        if (!_pool.TryAllocate(count, into))
        {
            throw new InvalidOperationException("block allocation failed after the check");
        }

        for (int i = start; i < into.Count; i++)
        {
            _filled[into[i].Value] = 0;
            _opaque[into[i].Value] = false;
        }
    }

    private bool TakeOpaqueBlocks(OpaqueBuffer buffer)
    {
        if (!_pool.TryAllocate(buffer.BlockCount, buffer.Blocks))
        {
            return false;
        }

        foreach (BlockId block in buffer.Blocks)
        {
            _opaque[block.Value] = true;
            _filled[block.Value] = 0;
        }

        return true;
    }

    private void ReleaseOpaqueBlocks(OpaqueBuffer buffer)
    {
        foreach (BlockId block in buffer.Blocks)
        {
            _opaque[block.Value] = false;
            _pool.Release(block);
        }

        buffer.Blocks.Clear();
    }

    private SequenceBlocks Get(SequenceId sequence) =>
        _sequences.TryGetValue(sequence, out SequenceBlocks? seq)
            ? seq
            : throw new KeyNotFoundException($"{sequence} has no blocks");
}

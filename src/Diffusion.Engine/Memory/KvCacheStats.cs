namespace Diffusion.Engine.Memory;

/// <summary>A snapshot of the block pool and the KV cache, for metrics and the bench.</summary>
public readonly record struct KvCacheStats(
    int TotalBlocks,
    int UsedBlocks,
    int FreeBlocks,
    int CachedFreeBlocks,
    int SharedBlocks,
    int OpaqueBlocks,
    long AllocatedSlots,
    long FilledSlots,
    long LogicalTokens,
    long LogicalBlocks,
    long PrefixQueries,
    long PrefixHitBlocks,
    long PrefixHitTokens,
    long Revivals,
    long Evictions,
    long CopyOnWrites,
    long SwappedOutBlocks,
    long SwappedInBlocks)
{
    /// <summary>Fraction of allocated KV slots that hold no token (the kv_waste metric).</summary>
    public double KvWaste => AllocatedSlots == 0 ? 0 : 1.0 - (double)FilledSlots / AllocatedSlots;

    /// <summary>Token slots that sharing (prefix cache, forks) saved: tokens held by sequences minus slots used.</summary>
    public long SharingSavedSlots => LogicalTokens - FilledSlots;

    /// <summary>KV blocks in use (the blocks not holding opaque buffers such as latents).</summary>
    public int KvBlocks => UsedBlocks - OpaqueBlocks;

    /// <summary>
    /// Fraction of the blocks the sequences' tables name that sharing saved: 1 − physical KV blocks /
    /// blocks the tables would need unshared. 0 when nothing is held.
    /// </summary>
    public double SharingSavedBlockFraction => LogicalBlocks == 0 ? 0 : 1.0 - (double)KvBlocks / LogicalBlocks;
}

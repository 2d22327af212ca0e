namespace Diffusion.Engine.Memory;

/// <summary>One sequence's block table and how many of its tokens have KV in the cache.</summary>
internal sealed class SequenceBlocks
{
    public List<BlockId> Blocks { get; } = new();

    /// <summary>Prefix keys of the leading full blocks whose KV is computed (parent chain).</summary>
    public List<BlockHash> Hashes { get; } = new();

    public int ComputedTokens { get; set; }
}

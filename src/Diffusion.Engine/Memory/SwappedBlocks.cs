namespace Diffusion.Engine.Memory;

/// <summary>
/// Host copy of the KV blocks of one or more sequences (one request's samples), taken by
/// <see cref="KvCacheManager.SwapOut"/>. Blocks the sequences shared are copied once, and
/// <see cref="KvCacheManager.SwapIn"/> restores the sharing.
/// </summary>
public sealed class SwappedBlocks
{
    internal SwappedBlocks(float[] data, int[] filled, IReadOnlyList<SwappedSequence> sequences)
    {
        Data = data;
        Filled = filled;
        Sequences = sequences;
    }

    public int BlockCount => Filled.Length;

    public long Bytes => (long)Data.Length * sizeof(float);

    internal float[] Data { get; }

    internal int[] Filled { get; }

    internal IReadOnlyList<SwappedSequence> Sequences { get; }

    internal sealed record SwappedSequence(SequenceId Id, int ComputedTokens, int[] BlockIndices, BlockHash[] Hashes);
}

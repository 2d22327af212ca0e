using System.Numerics;
using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// Causal attention of one sequence over a paged KV cache (vLLM's PagedAttention), SIMD, finding each token's
/// K/V row through the sequence's block table.
/// </summary>
/// <remarks>
/// KV layout, per layer: one pool for K and one for V, each [numBlocks, blockSize, numHeads, headDim] floats in a
/// caller-owned buffer (64-byte aligned is fastest: see <see cref="AlignedBuffer"/>). Token t of the sequence lives
/// in physical block blockTable[t / blockSize], slot t % blockSize; the last block may be partly filled.
/// </remarks>
public static class PagedAttention
{
    // queries/output: [numQueries, numHeads, headDim]; kPool/vPool: one layer's block pool laid out
    // [numBlocks, blockSize, numHeads, headDim]; blockTable: logical block -> physical block.
    // Query i sits at position firstQueryPosition + i and attends causally to keys 0..that position;
    // the keys/values of every position < firstQueryPosition + numQueries are already in the pool.
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> kPool, ReadOnlySpan<float> vPool,
        ReadOnlySpan<int> blockTable, int blockSize, int numHeads, int headDim,
        int firstQueryPosition, int numQueries, Span<float> output)
    {
        AttentionShape.CheckCommon(queries, output, numHeads, headDim, firstQueryPosition, numQueries);
        AttentionShape.CheckPaged(kPool, vPool, blockTable, blockSize, numHeads, headDim, firstQueryPosition + numQueries);
        if (numQueries == 0)
        {
            return;
        }

        ref var kBase = ref MemoryMarshal.GetReference(kPool);
        ref var vBase = ref MemoryMarshal.GetReference(vPool);
        var tokenStride = numHeads * headDim;
        if (BitOperations.IsPow2(blockSize))
        {
            AttentionCore.Run(queries, ref kBase, ref vBase, blockTable, PowerOfTwoBlocks.Paged(blockSize, tokenStride),
                numHeads, headDim, firstQueryPosition, numQueries, output);
        }
        else
        {
            AttentionCore.Run(queries, ref kBase, ref vBase, blockTable, new AnySizeBlocks(blockSize, tokenStride),
                numHeads, headDim, firstQueryPosition, numQueries, output);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// Causal attention of one sequence over a paged KV cache (vLLM's PagedAttention), SIMD, walking the
/// sequence's block table block by block.
/// </summary>
/// <remarks>
/// KV layout, per layer: one pool for K and one for V, each [numBlocks, blockSize, numHeads, headDim] floats in a
/// caller-owned buffer. Token t of the sequence lives in physical block blockTable[t / blockSize], slot
/// t % blockSize; the last block may be partly filled. Two passes per query (scores, softmax, weighted values);
/// each pass processes a whole block's tokens per inner loop.
/// </remarks>
public static class PagedAttention
{
    // queries/output: [numQueries, numHeads, headDim]; kPool/vPool: one layer's block pool laid out
    // [numBlocks, blockSize, numHeads, headDim]; blockTable: logical block -> physical block.
    // Query i sits at position firstQueryPosition + i and attends causally to keys 0..that position;
    // the keys/values of every position < firstQueryPosition + numQueries are already in the pool.
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> kPool, ReadOnlySpan<float> vPool,
        ReadOnlySpan<int> blockTable, int blockSize, int numHeads, int headDim,
        int firstQueryPosition, int numQueries, Span<float> output)
    {
        AttentionShape.CheckCommon(queries, output, numHeads, headDim, firstQueryPosition, numQueries);
        var maxContext = firstQueryPosition + numQueries;
        AttentionShape.CheckPaged(kPool, vPool, blockTable, blockSize, numHeads, headDim, maxContext);
        if (numQueries == 0)
        {
            return;
        }

        var scores = AttentionCore.Scratch(stackalloc float[AttentionCore.StackScratchLimit], numHeads * maxContext, out var rented);
        // Per head: the running score maximum, then 1 / (sum of softmax weights).
        var headStats = numHeads <= 64 ? stackalloc float[numHeads] : new float[numHeads];
        try
        {
            var scale = AttentionCore.Scale(headDim);
            var rowLength = numHeads * headDim;
            var blockStride = (nint)blockSize * rowLength;
            output.Clear();
            ref var kBase = ref AttentionCore.At(kPool);
            ref var vBase = ref AttentionCore.At(vPool);
            ref var table = ref MemoryMarshal.GetReference(blockTable);
            ref var s = ref MemoryMarshal.GetReference(scores);
            for (var i = 0; i < numQueries; i++)
            {
                var contextLength = firstQueryPosition + i + 1;
                ref var q = ref Unsafe.Add(ref AttentionCore.At(queries), i * rowLength);
                var outputRow = output.Slice(i * rowLength, rowLength);
                ref var o = ref MemoryMarshal.GetReference(outputRow);
                headStats.Fill(float.NegativeInfinity);
                for (int block = 0, first = 0; first < contextLength; block++, first += blockSize)
                {
                    var count = Math.Min(blockSize, contextLength - first);
                    ref var keys = ref Unsafe.Add(ref kBase, Unsafe.Add(ref table, block) * blockStride);
                    AttentionCore.ScoreRun(ref q, ref keys, count, numHeads, headDim, scale, ref s, maxContext, first, ref MemoryMarshal.GetReference(headStats));
                }

                AttentionCore.SoftmaxRows(scores, numHeads, maxContext, contextLength, headStats);
                for (int block = 0, first = 0; first < contextLength; block++, first += blockSize)
                {
                    var count = Math.Min(blockSize, contextLength - first);
                    ref var values = ref Unsafe.Add(ref vBase, Unsafe.Add(ref table, block) * blockStride);
                    AttentionCore.AccumulateRun(ref values, count, numHeads, headDim, ref s, maxContext, first, ref o);
                }

                AttentionCore.ScaleRows(outputRow, numHeads, headDim, headStats);
            }
        }
        finally
        {
            AttentionCore.Release(rented);
        }
    }
}

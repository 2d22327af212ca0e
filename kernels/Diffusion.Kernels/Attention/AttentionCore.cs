using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// The SIMD attention loop both public kernels run. K/V rows are found through a block table by an
/// <see cref="IBlockAddressing"/>: <see cref="PagedAttention"/> passes its pool and table; <see cref="ContiguousAttention"/>
/// passes one endless block. So the two run the very same instructions (flat loops over tokens, a few integer
/// operations per token for its address, no inner loop per block whose exits would mispredict), and timing them
/// against each other measures exactly what paging costs.
/// Per query and head: scores for every key with their maximum kept in a register, one fused exp-and-sum pass,
/// then the weighted sum of values accumulated in registers and stored once, already divided by the sum. Nothing is
/// stored inside the value loop, so K/V loads never wait on stores that happen to share their low address bits.
/// Callers have validated every length and table entry; nothing here checks bounds.
/// </summary>
internal static class AttentionCore
{
    // Scores up to this many floats (32 KiB) live on the stack; longer contexts rent from the pool.
    private const int StackScratchLimit = 8 * 1024;

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TBlocks>(ReadOnlySpan<float> queries, ref float kBase, ref float vBase, ReadOnlySpan<int> blockTable,
        TBlocks blocks, int numHeads, int headDim, int firstQueryPosition, int numQueries, Span<float> output)
        where TBlocks : struct, IBlockAddressing
    {
        var maxContext = firstQueryPosition + numQueries;
        float[]? rented = null;
        var scores = maxContext <= StackScratchLimit
            ? stackalloc float[StackScratchLimit]
            : (rented = ArrayPool<float>.Shared.Rent(maxContext));
        try
        {
            var scale = 1f / MathF.Sqrt(headDim);
            var rowLength = numHeads * headDim;
            ref var table = ref MemoryMarshal.GetReference(blockTable);
            ref var s = ref MemoryMarshal.GetReference(scores);
            for (var i = 0; i < numQueries; i++)
            {
                var contextLength = firstQueryPosition + i + 1;
                for (var h = 0; h < numHeads; h++)
                {
                    var headOffset = h * headDim;
                    ref var q = ref Unsafe.Add(ref MemoryMarshal.GetReference(queries), i * rowLength + headOffset);
                    ref var o = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), i * rowLength + headOffset);
                    var max = ScoreHead(ref q, ref kBase, ref table, blocks, headOffset, contextLength, headDim, scale, ref s);
                    var sum = VectorExp.ExpShiftedInPlace(ref s, contextLength, max);
                    WeightedSum.Head(ref vBase, ref table, blocks, headOffset, contextLength, headDim, ref s, 1f / sum, ref o);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>scores[t] = scale * (query · key[t, head]) for t &lt; contextLength; returns the largest.</summary>
    /// <remarks>Not inlined: compiled on its own it keeps its loop state in registers.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ScoreHead<TBlocks>(ref float query, ref float kBase, ref int table, TBlocks blocks,
        int headOffset, int contextLength, int headDim, float scale, ref float scores)
        where TBlocks : struct, IBlockAddressing
    {
        var max = float.NegativeInfinity;
        for (var t = 0; t < contextLength; t++)
        {
            ref var key = ref Unsafe.Add(ref kBase, blocks.RowOffset(ref table, t) + headOffset);
            var score = scale * VectorMath.Dot(ref query, ref key, headDim);
            Unsafe.Add(ref scores, t) = score;
            // Plain compare (not Math.Max): NaN ordering is not needed and costs instructions here.
            max = score > max ? score : max;
        }

        return max;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// output[d] = factor * Σ_t weights[t] * value[t, head, d]: one head's attention output. The head dimension is cut
/// into chunks of four vectors (64 floats with 512-bit vectors: a whole 64-wide head in one pass over the tokens),
/// then single vectors, then scalars; each chunk is summed over all tokens in registers and stored once.
/// </summary>
internal static class WeightedSum
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Head<TBlocks>(ref float vBase, ref int table, TBlocks blocks, int headOffset, int contextLength,
        int headDim, ref float weights, float factor, ref float output)
        where TBlocks : struct, IBlockAddressing
    {
        var d = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; d <= headDim - 4 * Vector512<float>.Count; d += 4 * Vector512<float>.Count)
            {
                FourVectors512(ref vBase, ref table, blocks, headOffset + d, contextLength, ref weights, factor, ref Unsafe.Add(ref output, d));
            }

            for (; d <= headDim - Vector512<float>.Count; d += Vector512<float>.Count)
            {
                OneVector512(ref vBase, ref table, blocks, headOffset + d, contextLength, ref weights, factor, ref Unsafe.Add(ref output, d));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; d <= headDim - 4 * Vector256<float>.Count; d += 4 * Vector256<float>.Count)
            {
                FourVectors256(ref vBase, ref table, blocks, headOffset + d, contextLength, ref weights, factor, ref Unsafe.Add(ref output, d));
            }

            for (; d <= headDim - Vector256<float>.Count; d += Vector256<float>.Count)
            {
                OneVector256(ref vBase, ref table, blocks, headOffset + d, contextLength, ref weights, factor, ref Unsafe.Add(ref output, d));
            }
        }

        for (; d < headDim; d++)
        {
            var sum = 0f;
            for (var t = 0; t < contextLength; t++)
            {
                sum += Unsafe.Add(ref weights, t) * Unsafe.Add(ref vBase, blocks.RowOffset(ref table, t) + headOffset + d);
            }

            Unsafe.Add(ref output, d) = sum * factor;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourVectors512<TBlocks>(ref float vBase, ref int table, TBlocks blocks, int offset, int contextLength,
        ref float weights, float factor, ref float output)
        where TBlocks : struct, IBlockAddressing
    {
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        for (var t = 0; t < contextLength; t++)
        {
            ref var row = ref Unsafe.Add(ref vBase, blocks.RowOffset(ref table, t) + offset);
            var w = Vector512.Create(Unsafe.Add(ref weights, t));
            a0 = Vector512.MultiplyAddEstimate(w, Vector512.LoadUnsafe(ref row), a0);
            a1 = Vector512.MultiplyAddEstimate(w, Vector512.LoadUnsafe(ref row, 16), a1);
            a2 = Vector512.MultiplyAddEstimate(w, Vector512.LoadUnsafe(ref row, 32), a2);
            a3 = Vector512.MultiplyAddEstimate(w, Vector512.LoadUnsafe(ref row, 48), a3);
        }

        var f = Vector512.Create(factor);
        (a0 * f).StoreUnsafe(ref output);
        (a1 * f).StoreUnsafe(ref output, 16);
        (a2 * f).StoreUnsafe(ref output, 32);
        (a3 * f).StoreUnsafe(ref output, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneVector512<TBlocks>(ref float vBase, ref int table, TBlocks blocks, int offset, int contextLength,
        ref float weights, float factor, ref float output)
        where TBlocks : struct, IBlockAddressing
    {
        var a = Vector512<float>.Zero;
        for (var t = 0; t < contextLength; t++)
        {
            ref var row = ref Unsafe.Add(ref vBase, blocks.RowOffset(ref table, t) + offset);
            a = Vector512.MultiplyAddEstimate(Vector512.Create(Unsafe.Add(ref weights, t)), Vector512.LoadUnsafe(ref row), a);
        }

        (a * Vector512.Create(factor)).StoreUnsafe(ref output);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourVectors256<TBlocks>(ref float vBase, ref int table, TBlocks blocks, int offset, int contextLength,
        ref float weights, float factor, ref float output)
        where TBlocks : struct, IBlockAddressing
    {
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        var a2 = Vector256<float>.Zero;
        var a3 = Vector256<float>.Zero;
        for (var t = 0; t < contextLength; t++)
        {
            ref var row = ref Unsafe.Add(ref vBase, blocks.RowOffset(ref table, t) + offset);
            var w = Vector256.Create(Unsafe.Add(ref weights, t));
            a0 = Vector256.MultiplyAddEstimate(w, Vector256.LoadUnsafe(ref row), a0);
            a1 = Vector256.MultiplyAddEstimate(w, Vector256.LoadUnsafe(ref row, 8), a1);
            a2 = Vector256.MultiplyAddEstimate(w, Vector256.LoadUnsafe(ref row, 16), a2);
            a3 = Vector256.MultiplyAddEstimate(w, Vector256.LoadUnsafe(ref row, 24), a3);
        }

        var f = Vector256.Create(factor);
        (a0 * f).StoreUnsafe(ref output);
        (a1 * f).StoreUnsafe(ref output, 8);
        (a2 * f).StoreUnsafe(ref output, 16);
        (a3 * f).StoreUnsafe(ref output, 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneVector256<TBlocks>(ref float vBase, ref int table, TBlocks blocks, int offset, int contextLength,
        ref float weights, float factor, ref float output)
        where TBlocks : struct, IBlockAddressing
    {
        var a = Vector256<float>.Zero;
        for (var t = 0; t < contextLength; t++)
        {
            ref var row = ref Unsafe.Add(ref vBase, blocks.RowOffset(ref table, t) + offset);
            a = Vector256.MultiplyAddEstimate(Vector256.Create(Unsafe.Add(ref weights, t)), Vector256.LoadUnsafe(ref row), a);
        }

        (a * Vector256.Create(factor)).StoreUnsafe(ref output);
    }
}

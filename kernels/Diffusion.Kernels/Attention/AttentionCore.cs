using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// The steps both SIMD kernels share, applied to a run of consecutive tokens laid out [tokens, numHeads, headDim]
/// (a whole contiguous cache, or one block of a paged one), so the two kernels differ only in how they find runs.
/// Scores live in a scratch matrix [numHeads, scoreStride] indexed by token position.
/// </summary>
internal static class AttentionCore
{
    // Scratch up to this many floats (32 KiB) lives on the stack; larger contexts rent from the pool.
    public const int StackScratchLimit = 8 * 1024;

    /// <summary>scores[h, firstToken + j] = scale * (query[h] · keys[j, h]) for j &lt; count; raises headStats[h] to the
    /// largest score seen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScoreRun(ref float query, ref float keys, int count, int numHeads, int headDim, float scale,
        ref float scores, int scoreStride, int firstToken, ref float headStats)
    {
        var tokenStride = numHeads * headDim;
        ref var scoreColumn = ref Unsafe.Add(ref scores, firstToken);
        for (var j = 0; j < count; j++)
        {
            ref var keyRow = ref Unsafe.Add(ref keys, (nint)j * tokenStride);
            for (var h = 0; h < numHeads; h++)
            {
                var score = scale * VectorMath.Dot(
                    ref Unsafe.Add(ref query, h * headDim), ref Unsafe.Add(ref keyRow, h * headDim), headDim);
                Unsafe.Add(ref scoreColumn, (nint)h * scoreStride + j) = score;
                ref var max = ref Unsafe.Add(ref headStats, h);
                max = Math.Max(max, score);
            }
        }
    }

    /// <summary>output[h] += weights[h, firstToken + j] * values[j, h] for j &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AccumulateRun(ref float values, int count, int numHeads, int headDim,
        ref float weights, int weightStride, int firstToken, ref float output)
    {
        var tokenStride = numHeads * headDim;
        ref var weightColumn = ref Unsafe.Add(ref weights, firstToken);
        for (var j = 0; j < count; j++)
        {
            ref var valueRow = ref Unsafe.Add(ref values, (nint)j * tokenStride);
            for (var h = 0; h < numHeads; h++)
            {
                VectorMath.AddScaled(
                    ref Unsafe.Add(ref output, h * headDim), ref Unsafe.Add(ref valueRow, h * headDim),
                    Unsafe.Add(ref weightColumn, (nint)h * weightStride + j), headDim);
            }
        }
    }

    /// <summary>Turns each head's scores[h, 0..contextLength) into unnormalised softmax weights exp(score - max), in
    /// place (max-subtracted, so large logits cannot overflow), leaving 1 / (sum of weights) in headStats[h]. Normalising
    /// the output afterwards (<see cref="ScaleRows"/>) costs headDim multiplies instead of contextLength.</summary>
    public static void SoftmaxRows(Span<float> scores, int numHeads, int scoreStride, int contextLength, Span<float> headStats)
    {
        for (var h = 0; h < numHeads; h++)
        {
            var row = scores.Slice(h * scoreStride, contextLength);
            TensorPrimitives.Subtract(row, headStats[h], row);
            TensorPrimitives.Exp(row, row);
            headStats[h] = 1f / TensorPrimitives.Sum(row);
        }
    }

    /// <summary>output[h, :] *= factors[h].</summary>
    public static void ScaleRows(Span<float> output, int numHeads, int headDim, ReadOnlySpan<float> factors)
    {
        for (var h = 0; h < numHeads; h++)
        {
            var row = output.Slice(h * headDim, headDim);
            TensorPrimitives.Multiply(row, factors[h], row);
        }
    }

    public static float Scale(int headDim) => 1f / MathF.Sqrt(headDim);

    /// <summary>Scratch for [numHeads, maxContext] scores: the given stack buffer when large enough, else a pooled array
    /// (returned by <see cref="Release"/>).</summary>
    public static Span<float> Scratch(Span<float> stackBuffer, int length, out float[]? rented)
    {
        if (length <= stackBuffer.Length)
        {
            rented = null;
            return stackBuffer[..length];
        }

        rented = ArrayPool<float>.Shared.Rent(length);
        return rented.AsSpan(0, length);
    }

    public static void Release(float[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    public static ref float At(ReadOnlySpan<float> span) => ref MemoryMarshal.GetReference(span);
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// Causal attention of one sequence over a contiguous KV cache, SIMD: the same math as
/// <see cref="ReferenceAttention"/> and the same inner loops as <see cref="PagedAttention"/>, so the two
/// kernels' speeds compare honestly.
/// </summary>
public static class ContiguousAttention
{
    /// <summary>queries/output: [numQueries, numHeads, headDim]; keys/values: [tokens, numHeads, headDim] with
    /// tokens ≥ firstQueryPosition + numQueries. Query i sits at position firstQueryPosition + i and attends to
    /// keys 0..that position, with scale 1/sqrt(headDim).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int numHeads, int headDim, int firstQueryPosition, int numQueries, Span<float> output)
    {
        AttentionShape.CheckCommon(queries, output, numHeads, headDim, firstQueryPosition, numQueries);
        var maxContext = firstQueryPosition + numQueries;
        AttentionShape.CheckContiguous(keys, values, numHeads, headDim, maxContext);
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
            output.Clear();
            ref var k = ref AttentionCore.At(keys);
            ref var v = ref AttentionCore.At(values);
            ref var s = ref MemoryMarshal.GetReference(scores);
            for (var i = 0; i < numQueries; i++)
            {
                var contextLength = firstQueryPosition + i + 1;
                ref var q = ref Unsafe.Add(ref AttentionCore.At(queries), i * rowLength);
                var outputRow = output.Slice(i * rowLength, rowLength);
                ref var o = ref MemoryMarshal.GetReference(outputRow);
                headStats.Fill(float.NegativeInfinity);
                AttentionCore.ScoreRun(ref q, ref k, contextLength, numHeads, headDim, scale, ref s, maxContext, 0, ref MemoryMarshal.GetReference(headStats));
                AttentionCore.SoftmaxRows(scores, numHeads, maxContext, contextLength, headStats);
                AttentionCore.AccumulateRun(ref v, contextLength, numHeads, headDim, ref s, maxContext, 0, ref o);
                AttentionCore.ScaleRows(outputRow, numHeads, headDim, headStats);
            }
        }
        finally
        {
            AttentionCore.Release(rented);
        }
    }
}

using System.Runtime.InteropServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// Causal attention of one sequence over a contiguous KV cache, SIMD: the same math as
/// <see cref="ReferenceAttention"/>, run by the same loop as <see cref="PagedAttention"/> (the whole cache as one
/// block), so the two kernels' speeds compare honestly.
/// </summary>
public static class ContiguousAttention
{
    /// <summary>queries/output: [numQueries, numHeads, headDim]; keys/values: [tokens, numHeads, headDim] with
    /// tokens ≥ firstQueryPosition + numQueries. Query i sits at position firstQueryPosition + i and attends to
    /// keys 0..that position, with scale 1/sqrt(headDim).</summary>
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int numHeads, int headDim, int firstQueryPosition, int numQueries, Span<float> output)
    {
        AttentionShape.CheckCommon(queries, output, numHeads, headDim, firstQueryPosition, numQueries);
        var contextLength = firstQueryPosition + numQueries;
        AttentionShape.CheckContiguous(keys, values, numHeads, headDim, contextLength);
        if (numQueries == 0)
        {
            return;
        }

        ReadOnlySpan<int> singleBlock = [0];
        AttentionCore.Run(queries, ref MemoryMarshal.GetReference(keys), ref MemoryMarshal.GetReference(values),
            singleBlock, PowerOfTwoBlocks.Contiguous(numHeads * headDim), numHeads, headDim, firstQueryPosition, numQueries, output);
    }
}

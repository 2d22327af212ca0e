namespace Diffusion.Engine.Tests.Llm;

/// <summary>
/// Plain scalar paged attention with the exact signature of the SIMD kernel
/// (<c>Diffusion.Kernels.Attention.PagedAttention.Compute</c>) the LLM runner calls: the reference the
/// kernel is compared with on the LLM's own shapes and pool. Query i sits at position firstQueryPosition + i and attends
/// causally to keys 0..that position, found through the block table; scale 1/sqrt(headDim).
/// </summary>
internal static class ScalarPagedAttention
{
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> kPool, ReadOnlySpan<float> vPool,
        ReadOnlySpan<int> blockTable, int blockSize, int numHeads, int headDim,
        int firstQueryPosition, int numQueries, Span<float> output)
    {
        int stride = numHeads * headDim;
        int keys = firstQueryPosition + numQueries;
        if (queries.Length < numQueries * stride || output.Length < numQueries * stride
            || blockTable.Length * blockSize < keys)
        {
            throw new ArgumentException("paged attention: queries, output or block table too small");
        }

        float scale = 1f / MathF.Sqrt(headDim);
        Span<float> scores = keys <= 4096 ? stackalloc float[keys] : new float[keys];
        for (int qi = 0; qi < numQueries; qi++)
        {
            int last = firstQueryPosition + qi;
            for (int h = 0; h < numHeads; h++)
            {
                ReadOnlySpan<float> q = queries.Slice((qi * stride) + (h * headDim), headDim);
                float max = float.NegativeInfinity;
                for (int p = 0; p <= last; p++)
                {
                    ReadOnlySpan<float> key = kPool.Slice(SlotOffset(blockTable, blockSize, stride, p) + (h * headDim), headDim);
                    float dot = 0;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += q[d] * key[d];
                    }

                    scores[p] = dot * scale;
                    max = MathF.Max(max, scores[p]);
                }

                float total = 0;
                for (int p = 0; p <= last; p++)
                {
                    scores[p] = MathF.Exp(scores[p] - max);
                    total += scores[p];
                }

                Span<float> o = output.Slice((qi * stride) + (h * headDim), headDim);
                o.Clear();
                for (int p = 0; p <= last; p++)
                {
                    float w = scores[p] / total;
                    ReadOnlySpan<float> value = vPool.Slice(SlotOffset(blockTable, blockSize, stride, p) + (h * headDim), headDim);
                    for (int d = 0; d < headDim; d++)
                    {
                        o[d] += w * value[d];
                    }
                }
            }
        }
    }

    private static int SlotOffset(ReadOnlySpan<int> blockTable, int blockSize, int stride, int position) =>
        ((blockTable[position / blockSize] * blockSize) + (position % blockSize)) * stride;
}

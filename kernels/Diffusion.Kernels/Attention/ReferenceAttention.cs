namespace Diffusion.Kernels.Attention;

/// <summary>
/// Ground truth for the attention kernels: causal scaled dot-product attention of one sequence over a
/// contiguous KV cache, in plain loops with double accumulation. Slow; for tests and checks only.
/// </summary>
public static class ReferenceAttention
{
    /// <summary>queries/output: [numQueries, numHeads, headDim]; keys/values: [tokens, numHeads, headDim] with
    /// tokens ≥ firstQueryPosition + numQueries. Query i sits at position firstQueryPosition + i and attends to
    /// keys 0..that position, with scale 1/sqrt(headDim).</summary>
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        int numHeads, int headDim, int firstQueryPosition, int numQueries, Span<float> output)
    {
        AttentionShape.CheckCommon(queries, output, numHeads, headDim, firstQueryPosition, numQueries);
        AttentionShape.CheckContiguous(keys, values, numHeads, headDim, firstQueryPosition + numQueries);
        var scale = 1.0 / Math.Sqrt(headDim);
        var tokenStride = numHeads * headDim;
        var scores = new double[firstQueryPosition + numQueries];
        var accumulator = new double[headDim];
        for (var i = 0; i < numQueries; i++)
        {
            var contextLength = firstQueryPosition + i + 1;
            for (var h = 0; h < numHeads; h++)
            {
                var q = queries.Slice((i * numHeads + h) * headDim, headDim);
                var max = double.NegativeInfinity;
                for (var t = 0; t < contextLength; t++)
                {
                    var k = keys.Slice(t * tokenStride + h * headDim, headDim);
                    double dot = 0;
                    for (var d = 0; d < headDim; d++)
                    {
                        dot += (double)q[d] * k[d];
                    }

                    scores[t] = dot * scale;
                    max = Math.Max(max, scores[t]);
                }

                double sum = 0;
                for (var t = 0; t < contextLength; t++)
                {
                    scores[t] = Math.Exp(scores[t] - max);
                    sum += scores[t];
                }

                Array.Clear(accumulator);
                for (var t = 0; t < contextLength; t++)
                {
                    var v = values.Slice(t * tokenStride + h * headDim, headDim);
                    for (var d = 0; d < headDim; d++)
                    {
                        accumulator[d] += scores[t] / sum * v[d];
                    }
                }

                var o = output.Slice((i * numHeads + h) * headDim, headDim);
                for (var d = 0; d < headDim; d++)
                {
                    o[d] = (float)accumulator[d];
                }
            }
        }
    }
}

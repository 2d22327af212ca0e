using Diffusion.Engine.Llm;

namespace Diffusion.Engine.Tests.Llm;

public sealed class ScalarPagedAttentionTests
{
    [Fact]
    public void Equals_dense_causal_attention_through_a_scattered_block_table()
    {
        const int heads = 2, headDim = 4, blockSize = 3, positions = 8, numBlocks = 5;
        int stride = heads * headDim;
        var random = new Random(11);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] keys = Rand(positions * stride), values = Rand(positions * stride), queries = Rand(positions * stride);

        // Logical block i lives in physical block table[i]; write the dense K/V into the pool.
        int[] table = [4, 0, 2];
        var kPool = new float[numBlocks * blockSize * stride];
        var vPool = new float[numBlocks * blockSize * stride];
        for (int p = 0; p < positions; p++)
        {
            int slot = ((table[p / blockSize] * blockSize) + (p % blockSize)) * stride;
            keys.AsSpan(p * stride, stride).CopyTo(kPool.AsSpan(slot));
            values.AsSpan(p * stride, stride).CopyTo(vPool.AsSpan(slot));
        }

        // Queries 5..7 (a chunk after a 5-token prefix).
        const int first = 5, count = 3;
        var output = new float[count * stride];
        ScalarPagedAttention.Compute(queries.AsSpan(first * stride, count * stride), kPool, vPool, table, blockSize, heads, headDim, first, count, output);

        for (int qi = 0; qi < count; qi++)
        {
            int pos = first + qi;
            for (int h = 0; h < heads; h++)
            {
                var scores = new double[pos + 1];
                for (int p = 0; p <= pos; p++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += queries[(pos * stride) + (h * headDim) + d] * keys[(p * stride) + (h * headDim) + d];
                    }

                    scores[p] = dot / Math.Sqrt(headDim);
                }

                double max = scores.Max();
                double[] weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                double total = weights.Sum();
                for (int d = 0; d < headDim; d++)
                {
                    double expected = 0;
                    for (int p = 0; p <= pos; p++)
                    {
                        expected += weights[p] / total * values[(p * stride) + (h * headDim) + d];
                    }

                    Assert.Equal(expected, output[(qi * stride) + (h * headDim) + d], 5);
                }
            }
        }
    }
}

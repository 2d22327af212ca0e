using Diffusion.Engine.Llm;

namespace Diffusion.Engine.Tests.Llm;

public sealed class GemmTests
{
    private static float[] RandomArray(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 2, 8)]
    [InlineData(7, 5, 13)]
    [InlineData(16, 64, 64)]
    [InlineData(9, 600, 64)]
    [InlineData(3, 17, 256)]
    public void Matches_the_double_precision_reference(int m, int n, int k)
    {
        var random = new Random((m * 1000) + (n * 10) + k);
        float[] a = RandomArray(random, m * k), b = RandomArray(random, n * k), bias = RandomArray(random, n);
        var actual = new float[m * n];
        var expected = new float[m * n];
        Gemm.MultiplyTransposed(a, b, bias, actual, m, n, k);
        Gemm.Reference(a, b, bias, expected, m, n, k);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4f * Math.Sqrt(k), $"element {i}: {actual[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void Works_without_a_bias()
    {
        float[] a = [1, 2, 3], b = [4, 5, 6, 1, 1, 1];
        var c = new float[2];
        Gemm.MultiplyTransposed(a, b, ReadOnlySpan<float>.Empty, c, 1, 2, 3);
        Assert.Equal([32f, 6f], c);
    }

    [Fact]
    public void A_row_gives_bit_identical_results_whatever_the_batch_around_it()
    {
        var random = new Random(5);
        const int n = 37, k = 70;
        float[] b = RandomArray(random, n * k), bias = RandomArray(random, n);
        float[] batch = RandomArray(random, 11 * k);
        var batched = new float[11 * n];
        Gemm.MultiplyTransposed(batch, b, bias, batched, 11, n, k);
        for (int row = 0; row < 11; row++)
        {
            // Alone, and at an odd offset inside a larger array (different memory alignment).
            var alone = new float[n];
            Gemm.MultiplyTransposed(batch.AsSpan(row * k, k), b, bias, alone, 1, n, k);
            float[] shifted = new float[k + 3];
            batch.AsSpan(row * k, k).CopyTo(shifted.AsSpan(3));
            var shiftedOut = new float[n];
            Gemm.MultiplyTransposed(shifted.AsSpan(3), b, bias, shiftedOut, 1, n, k);
            Assert.Equal(batched.AsSpan(row * n, n).ToArray(), alone);
            Assert.Equal(alone, shiftedOut);
        }
    }

    [Fact]
    public void Rejects_operands_that_are_too_small()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposed(new float[3], new float[6], ReadOnlySpan<float>.Empty, new float[2], 2, 2, 3));
    }
}

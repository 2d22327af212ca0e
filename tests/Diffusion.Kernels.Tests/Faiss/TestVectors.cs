namespace Diffusion.Kernels.Tests.Faiss;

/// <summary>Seeded random vectors (Gaussian, optionally unit-length like CLIP embeddings).</summary>
internal static class TestVectors
{
    public static float[] Gaussian(int count, int dim, int seed, bool normalize = false)
    {
        var random = new Random(seed);
        var data = new float[count * dim];
        for (var i = 0; i < data.Length; i++)
        {
            // Box-Muller.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            data[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        if (normalize)
        {
            for (var v = 0; v < count; v++)
            {
                var row = data.AsSpan(v * dim, dim);
                var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
                System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
            }
        }

        return data;
    }

    public static long[] Ids(int count, long first = 1000) =>
        Enumerable.Range(0, count).Select(i => first + i * 7L).ToArray();
}

using System.Runtime.InteropServices;
using Diffusion.Engine.Memory;
using Diffusion.Kernels.Attention;

namespace Diffusion.Engine.Tests.Llm;

/// <summary>
/// The SIMD kernel the LLM runner calls, on the engine's own pool: it must agree with the scalar
/// reference, and each query row must not depend on how many queries share the call (the property the
/// batched = one-at-a-time and preemption = uninterrupted tests rest on).
/// </summary>
public sealed class PagedAttentionKernelTests
{
    // (heads, headDim): the shipped LLM (4 × 48) and the tiny fixture (4 × 16).
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 4, 48, 16 },
        { 4, 48, 8 },
        { 4, 16, 16 },
        { 4, 48, 5 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_chunk_of_queries_gives_bit_identical_rows_to_one_query_per_call(int heads, int headDim, int blockSize)
    {
        using var kv = new ScatteredKv(heads, headDim, blockSize, positions: 100, seed: 3);
        // Chunks that cross the SIMD width (16 floats) and block boundaries, from several starts.
        foreach ((int first, int count) in new[] { (0, 40), (13, 30), (60, 40), (99, 1) })
        {
            float[] chunk = kv.Attend(first, count);
            for (int i = 0; i < count; i++)
            {
                float[] alone = kv.Attend(first + i, 1);
                Assert.Equal(alone, chunk.AsSpan(i * kv.Stride, kv.Stride).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_kernel_matches_the_scalar_reference_through_the_pool_planes(int heads, int headDim, int blockSize)
    {
        using var kv = new ScatteredKv(heads, headDim, blockSize, positions: 90, seed: 5);
        foreach ((int first, int count) in new[] { (0, 90), (70, 1), (31, 17) })
        {
            float[] kernel = kv.Attend(first, count);
            var reference = new float[count * kv.Stride];
            ScalarPagedAttention.Compute(kv.Queries.AsSpan(first * kv.Stride, count * kv.Stride), kv.Pool.GetPlane(0), kv.Pool.GetPlane(1),
                kv.Table, blockSize, heads, headDim, first, count, reference);
            float worst = kernel.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst < 2e-6f, $"kernel and reference differ by {worst}");
        }
    }

    [Theory]
    [InlineData(16, 4, 64)]
    [InlineData(16, 4, 192)]
    [InlineData(5, 2, 10)] // rows of 40 bytes: planes are padded back onto cache lines
    public unsafe void Every_plane_of_the_pool_starts_on_a_cache_line(int blockSize, int layers, int modelDim)
    {
        BlockPoolOptions shape = BlockPoolOptions.ForKvCache(1, blockSize, layers, modelDim);
        using var pool = new BlockPool(shape with { BudgetBytes = 7 * shape.BlockBytes });
        for (int p = 0; p < pool.Planes; p++)
        {
            fixed (float* start = &MemoryMarshal.GetReference(pool.GetPlane(p)))
            {
                Assert.Equal(0, (long)start % AlignedBuffer.Alignment);
            }
        }
    }

    /// <summary>Random K/V for <c>positions</c> tokens written into planes 0/1 of a pool through a shuffled block table.</summary>
    private sealed class ScatteredKv : IDisposable
    {
        public ScatteredKv(int heads, int headDim, int blockSize, int positions, int seed)
        {
            Heads = heads;
            HeadDim = headDim;
            BlockSize = blockSize;
            Stride = heads * headDim;
            int blocks = (positions + blockSize - 1) / blockSize;
            Pool = new BlockPool(new BlockPoolOptions
            {
                BudgetBytes = 2L * (2 * blocks) * blockSize * Stride * sizeof(float),
                Planes = 2,
                PlaneBlockBytes = blockSize * Stride * sizeof(float),
            });
            var random = new Random(seed);
            Table = Enumerable.Range(0, 2 * blocks).OrderBy(_ => random.Next()).Take(blocks).ToArray();
            Queries = Enumerable.Range(0, positions * Stride).Select(_ => random.NextSingle() - 0.5f).ToArray();
            Span<float> keys = Pool.GetPlane(0), values = Pool.GetPlane(1);
            for (int t = 0; t < positions; t++)
            {
                int slot = ((Table[t / blockSize] * blockSize) + (t % blockSize)) * Stride;
                for (int i = 0; i < Stride; i++)
                {
                    keys[slot + i] = random.NextSingle() - 0.5f;
                    values[slot + i] = random.NextSingle() - 0.5f;
                }
            }
        }

        public int Heads { get; }

        public int HeadDim { get; }

        public int BlockSize { get; }

        public int Stride { get; }

        public BlockPool Pool { get; }

        public int[] Table { get; }

        public float[] Queries { get; }

        public float[] Attend(int first, int count)
        {
            var output = new float[count * Stride];
            PagedAttention.Compute(Queries.AsSpan(first * Stride, count * Stride), Pool.GetPlane(0), Pool.GetPlane(1), Table,
                BlockSize, Heads, HeadDim, first, count, output);
            return output;
        }

        public void Dispose() => Pool.Dispose();
    }
}

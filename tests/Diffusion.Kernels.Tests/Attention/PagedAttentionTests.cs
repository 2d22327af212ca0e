using Diffusion.Kernels.Attention;

namespace Diffusion.Kernels.Tests.Attention;

public sealed class PagedAttentionTests
{
    private const float Tolerance = 1e-5f;

    // (first query position, number of queries): decode at several ragged lengths, and prefill chunks.
    private static readonly (int First, int Count)[] QueryRanges = [(0, 1), (36, 1), (99, 1), (255, 1), (0, 7), (30, 9), (120, 17)];

    public static TheoryData<int, int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int, int>();
        foreach (var blockSize in new[] { 8, 16, 32, 64 })
        {
            foreach (var headDim in new[] { 32, 64 })
            {
                foreach (var (first, count) in QueryRanges)
                {
                    data.Add(blockSize, headDim, first, count);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Paged_MatchesReference(int blockSize, int headDim, int firstQueryPosition, int numQueries)
    {
        var data = new AttentionTestData(4, headDim, blockSize, firstQueryPosition, numQueries, seed: blockSize * 1000 + headDim + firstQueryPosition);
        var output = data.NewOutput();

        PagedAttention.Compute(data.Queries, data.KPool, data.VPool, data.BlockTable, blockSize, 4, headDim,
            firstQueryPosition, numQueries, output);

        Assert.InRange(AttentionTestData.MaxAbsDifference(data.Reference(), output), 0, Tolerance);
    }

    [Theory]
    [InlineData(1, 20, 5, 0, 3)]
    [InlineData(3, 3, 4, 10, 2)]
    [InlineData(2, 100, 16, 40, 1)]
    [InlineData(8, 64, 16, 1490, 10)]
    public void Paged_MatchesReference_ForOddShapesAndLongContexts(int numHeads, int headDim, int blockSize, int first, int count)
    {
        var data = new AttentionTestData(numHeads, headDim, blockSize, first, count, seed: 7);
        var output = data.NewOutput();

        PagedAttention.Compute(data.Queries, data.KPool, data.VPool, data.BlockTable, blockSize, numHeads, headDim, first, count, output);

        Assert.InRange(AttentionTestData.MaxAbsDifference(data.Reference(), output), 0, Tolerance);
    }

    [Fact]
    public void Paged_WithLargeLogits_StaysFiniteAndMatchesReference()
    {
        var data = new AttentionTestData(4, 64, 16, 50, 2, seed: 8, queryScale: 200f);
        var output = data.NewOutput();

        PagedAttention.Compute(data.Queries, data.KPool, data.VPool, data.BlockTable, 16, 4, 64, 50, 2, output);

        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        Assert.InRange(AttentionTestData.MaxAbsDifference(data.Reference(), output), 0, 1e-4f);
    }

    [Fact]
    public void Paged_IgnoresKeysAfterTheQueryPosition()
    {
        var data = new AttentionTestData(2, 32, 8, 20, 1, seed: 9);
        var before = data.NewOutput();
        PagedAttention.Compute(data.Queries, data.KPool, data.VPool, data.BlockTable, 8, 2, 32, 20, 1, before);
        // Position 21 sits in logical block 2, slot 5: garbage there must not matter to the query at 20.
        var slot = (data.BlockTable[2] * 8 + 5) * 2 * 32;
        data.KPool.AsSpan(slot, 64).Fill(1000f);
        data.VPool.AsSpan(slot, 64).Fill(1000f);

        var after = data.NewOutput();
        PagedAttention.Compute(data.Queries, data.KPool, data.VPool, data.BlockTable, 8, 2, 32, 20, 1, after);

        Assert.Equal(before, after);
    }

    [Fact]
    public void Paged_RejectsBadArguments()
    {
        var data = new AttentionTestData(2, 32, 8, 20, 1, seed: 10);
        var output = data.NewOutput();
        var outOfRange = data.BlockTable.ToArray();
        outOfRange[1] = data.KPool.Length / (8 * 64);

        var error = Assert.Throws<ArgumentException>(() => PagedAttention.Compute(
            data.Queries, data.KPool, data.VPool, outOfRange, 8, 2, 32, 20, 1, output));
        Assert.Contains("entry 1", error.Message);
        Assert.Throws<ArgumentException>(() => PagedAttention.Compute(
            data.Queries, data.KPool, data.VPool, data.BlockTable.AsSpan(0, 2), 8, 2, 32, 20, 1, output));
        Assert.Throws<ArgumentException>(() => PagedAttention.Compute(
            data.Queries, data.KPool, data.VPool, data.BlockTable, 8, 2, 32, 20, 1, new float[10]));
        Assert.Throws<ArgumentException>(() => PagedAttention.Compute(
            data.Queries, data.KPool.AsSpan(1), data.VPool.AsSpan(1), data.BlockTable, 8, 2, 32, 20, 1, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => PagedAttention.Compute(
            data.Queries, data.KPool, data.VPool, data.BlockTable, 0, 2, 32, 20, 1, output));
    }
}

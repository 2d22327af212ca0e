using Diffusion.Kernels.Attention;

namespace Diffusion.Kernels.Tests.Attention;

public sealed class ContiguousAttentionTests
{
    [Theory]
    [InlineData(4, 32, 0, 1)]
    [InlineData(4, 64, 127, 1)]
    [InlineData(4, 64, 255, 1)]
    [InlineData(4, 64, 30, 9)]
    [InlineData(1, 20, 0, 5)]
    [InlineData(3, 3, 10, 2)]
    [InlineData(8, 64, 1490, 10)]
    public void Contiguous_MatchesReference(int numHeads, int headDim, int firstQueryPosition, int numQueries)
    {
        var data = new AttentionTestData(numHeads, headDim, 16, firstQueryPosition, numQueries, seed: headDim + firstQueryPosition);
        var output = data.NewOutput();

        // Keys/values include the NaN tail past the context: the kernel must not read it.
        ContiguousAttention.Compute(data.Queries, data.Keys, data.Values, numHeads, headDim, firstQueryPosition, numQueries, output);

        Assert.InRange(AttentionTestData.MaxAbsDifference(data.Reference(), output), 0, 1e-5f);
    }

    [Fact]
    public void Contiguous_RejectsTooFewKeys()
    {
        var data = new AttentionTestData(2, 32, 16, 20, 2, seed: 11);

        var error = Assert.Throws<ArgumentException>(() => ContiguousAttention.Compute(
            data.Queries, data.Keys.AsSpan(0, 21 * 64), data.Values.AsSpan(0, 21 * 64), 2, 32, 20, 2, data.NewOutput()));

        Assert.Contains("21 tokens", error.Message);
    }

    [Fact]
    public void Reference_OfSingleToken_ReturnsItsValue()
    {
        // With one key the softmax weight is 1: the output is that value, whatever the query.
        float[] value = [0.5f, -2f, 3f, 4f];

        var output = new float[4];
        ReferenceAttention.Compute([1f, 2f, 3f, 4f], [9f, 9f, 9f, 9f], value, 1, 4, 0, 1, output);

        Assert.Equal(value, output);
    }
}

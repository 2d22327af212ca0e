using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissExactSearchTests
{
    private const int Dim = 64;

    [Theory]
    [InlineData(FaissMetric.InnerProduct)]
    [InlineData(FaissMetric.L2)]
    public void FlatSearch_MatchesBruteForceTopK(FaissMetric metric)
    {
        var vectors = TestVectors.Gaussian(2000, Dim, seed: 1);
        var ids = TestVectors.Ids(2000);
        var queries = TestVectors.Gaussian(40, Dim, seed: 2);
        using var index = FaissIndex.Create("Flat", Dim, metric);
        index.Add(vectors, ids);

        var result = index.Search(queries, k: 10);
        var expected = ExactNeighbors.Search(vectors, ids, queries, Dim, 10, metric);

        AssertSameNeighbors(expected, result, vectors, ids, queries, metric);
    }

    [Fact]
    public void Search_WithFewerVectorsThanK_PadsWithMinusOne()
    {
        using var index = FaissIndex.Create("Flat", Dim, FaissMetric.L2);
        index.Add(TestVectors.Gaussian(3, Dim, seed: 3), new long[] { 5, 6, 7 });

        var result = index.Search(TestVectors.Gaussian(1, Dim, seed: 4), k: 5);

        Assert.Equal(new long[] { 5, 6, 7 }, result.IdsOf(0)[..3].ToArray().Order().ToArray());
        Assert.Equal(new long[] { -1, -1 }, result.IdsOf(0)[3..].ToArray());
    }

    [Fact]
    public void Search_IntoCallerBuffers_MatchesAllocatingSearch()
    {
        var vectors = TestVectors.Gaussian(300, Dim, seed: 5);
        var queries = TestVectors.Gaussian(3, Dim, seed: 6);
        using var index = FaissIndex.Create("Flat", Dim, FaissMetric.InnerProduct);
        index.Add(vectors, TestVectors.Ids(300));
        var distances = new float[3 * 4];
        var ids = new long[3 * 4];

        index.Search(queries, 4, distances, ids);

        var result = index.Search(queries, 4);
        Assert.Equal(result.Ids, ids);
        Assert.Equal(result.Distances, distances);
    }

    [Fact]
    public void IvfIndex_NeedsTraining_ThenFindsExactNeighbourWithAllListsProbed()
    {
        var vectors = TestVectors.Gaussian(1000, Dim, seed: 7);
        var ids = TestVectors.Ids(1000);
        using var index = FaissIndex.Create("IVF8,Flat", Dim, FaissMetric.L2);
        Assert.False(index.IsTrained);
        Assert.Throws<FaissException>(() => index.Add(vectors, ids));

        index.Train(vectors);
        index.Add(vectors, ids);
        index.SetIvfNprobe(8);

        Assert.True(index.IsTrained);
        Assert.Equal(1000, index.Count);
        var result = index.Search(vectors.AsSpan(0, Dim * 5), k: 1);
        Assert.Equal(ids[..5], result.Ids);
    }

    internal static void AssertSameNeighbors(
        (double[] Distances, long[] Ids) expected, FaissSearchResult actual,
        float[] vectors, long[] ids, float[] queries, FaissMetric metric)
    {
        Assert.Equal(expected.Ids.Length, actual.Ids.Length);
        var byId = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        for (var i = 0; i < expected.Ids.Length; i++)
        {
            var tolerance = 1e-4 * Math.Max(1, Math.Abs(expected.Distances[i]));
            Assert.InRange(actual.Distances[i], expected.Distances[i] - tolerance, expected.Distances[i] + tolerance);
            if (actual.Ids[i] != expected.Ids[i])
            {
                // A swap is fine only between near-ties: the returned vector must be as close as the expected one.
                var query = queries.AsSpan(i / actual.K * Dim, Dim);
                var returned = ExactNeighbors.Distance(vectors.AsSpan(byId[actual.Ids[i]] * Dim, Dim), query, metric);
                Assert.InRange(returned, expected.Distances[i] - tolerance, expected.Distances[i] + tolerance);
            }
        }
    }
}

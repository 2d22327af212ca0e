using Diffusion.Kernels.Faiss;
using Xunit.Abstractions;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissHnswRecallTests(ITestOutputHelper output)
{
    private const int Dim = 64;
    private const int K = 10;

    [Theory]
    [InlineData(FaissMetric.L2, false)]
    [InlineData(FaissMetric.InnerProduct, true)]
    public void Hnsw32_On5kVectors_HasRecallAt10OfAtLeast95Percent(FaissMetric metric, bool normalize)
    {
        var vectors = TestVectors.Gaussian(5000, Dim, seed: 11, normalize);
        var ids = TestVectors.Ids(5000);
        var queries = TestVectors.Gaussian(100, Dim, seed: 12, normalize);
        using var index = new FaissIndexChooser(new FaissIndexChooserOptions { ExactSearchLimit = 1000 })
            .Create(expectedCount: 5000, Dim, metric);
        index.Add(vectors, ids);

        var result = index.Search(queries, K);
        var expected = ExactNeighbors.Search(vectors, ids, queries, Dim, K, metric);

        var recall = Recall(expected.Ids, result.Ids, queries.Length / Dim);
        output.WriteLine($"HNSW32 efSearch 128, {metric}: recall@10 = {recall:F3}");
        Assert.True(recall >= 0.95, $"recall@10 was {recall:F3}");
    }

    internal static double Recall(long[] expected, long[] actual, int queryCount)
    {
        var hits = 0;
        for (var q = 0; q < queryCount; q++)
        {
            var truth = expected.AsSpan(q * K, K).ToArray().ToHashSet();
            hits += actual.AsSpan(q * K, K).ToArray().Count(truth.Contains);
        }

        return hits / (double)(queryCount * K);
    }
}

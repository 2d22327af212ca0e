using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissConcurrencyTests
{
    private const int Dim = 32;

    [Theory]
    [InlineData("Flat")]
    [InlineData("HNSW32")]
    public async Task ConcurrentSearches_GiveTheSameResultsAsSerialOnes(string factory)
    {
        using var index = FaissIndex.Create(factory, Dim, FaissMetric.InnerProduct);
        index.Add(TestVectors.Gaussian(2000, Dim, seed: 51, normalize: true), TestVectors.Ids(2000));
        var queries = TestVectors.Gaussian(64, Dim, seed: 52, normalize: true);
        var serial = Enumerable.Range(0, 64).Select(q => index.Search(queries.AsSpan(q * Dim, Dim), 5).Ids).ToArray();

        var tasks = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var round = 0; round < 3; round++)
            {
                for (var q = 0; q < 64; q++)
                {
                    var ids = index.Search(queries.AsSpan(((q + worker) % 64) * Dim, Dim), 5).Ids;
                    Assert.Equal(serial[(q + worker) % 64], ids);
                }
            }
        }));

        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task SearchesDuringAddsAndRemoves_SeeConsistentIndex()
    {
        using var index = FaissIndex.Create("HNSW32", Dim, FaissMetric.L2);
        index.Add(TestVectors.Gaussian(500, Dim, seed: 53), TestVectors.Ids(500));
        var extra = TestVectors.Gaussian(500, Dim, seed: 54);
        var extraIds = TestVectors.Ids(500, first: 1_000_000);
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(() =>
        {
            for (var batch = 0; batch < 10; batch++)
            {
                index.Add(extra.AsSpan(batch * 50 * Dim, 50 * Dim), extraIds.AsSpan(batch * 50, 50));
                index.Remove(extraIds.AsSpan(batch * 50, 25));
            }
        });
        var readers = Enumerable.Range(0, 2).Select(seed => Task.Run(() =>
        {
            var queries = TestVectors.Gaussian(1, Dim, seed: 60 + seed);
            var searches = 0;
            while (!writer.IsCompleted || searches == 0)
            {
                var ids = index.Search(queries, 10).Ids;
                Assert.DoesNotContain(-1L, ids);
                searches++;
            }

            return searches;
        })).ToArray();

        await writer;
        var counts = await Task.WhenAll(readers);

        Assert.All(counts, c => Assert.True(c > 0));
        Assert.Equal(750, index.Count);
    }
}

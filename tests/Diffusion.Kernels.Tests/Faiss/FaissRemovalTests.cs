using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissRemovalTests
{
    private const int Dim = 32;

    public static TheoryData<string> Factories => new() { "Flat", "HNSW32", "IVF16,Flat" };

    [Theory]
    [MemberData(nameof(Factories))]
    public void Remove_CountsOnlyPresentIds_AndUpdatesCount(string factory)
    {
        using var index = Build(factory, 1000, out _, out var ids);

        var removed = index.Remove([ids[0], ids[1], ids[2], 999_999, ids[1]]);

        Assert.Equal(3, removed);
        Assert.Equal(997, index.Count);
        Assert.Equal(0, index.Remove([ids[0], ids[1]]));
        Assert.Equal(997, index.Count);
    }

    [Theory]
    [MemberData(nameof(Factories))]
    public void SearchAfterRemove_NeverReturnsRemovedIds(string factory)
    {
        using var index = Build(factory, 1000, out var vectors, out var ids);
        // 10% removed stays below the compaction threshold (tombstones searched around); the next 20%
        // crosses it (HNSW/IVF rebuild). Both states must hide removed vectors.
        var firstBatch = ids.Where((_, i) => i % 10 == 0).ToArray();
        var secondBatch = ids.Where((_, i) => i % 10 is 1 or 2).ToArray();

        foreach (var batch in new[] { firstBatch, secondBatch })
        {
            index.Remove(batch);
            var gone = firstBatch.Concat(batch).ToHashSet();
            // Query with the removed vectors themselves: each one's own id would be the top hit.
            var queries = vectors.Where((_, i) => gone.Contains(ids[i / Dim])).ToArray();
            var result = index.Search(queries, k: 20);
            Assert.DoesNotContain(result.Ids, gone.Contains);
            Assert.DoesNotContain(-1L, result.Ids);
        }

        Assert.Equal(700, index.Count);
    }

    [Fact]
    public void FlatSearchAfterRemove_MatchesBruteForceOverRemainingVectors()
    {
        using var index = Build("Flat", 500, out var vectors, out var ids);
        var removedIds = ids.Where((_, i) => i % 3 == 0).ToHashSet();
        index.Remove(removedIds.ToArray());
        var keep = Enumerable.Range(0, ids.Length).Where(i => !removedIds.Contains(ids[i])).ToArray();
        var keptVectors = keep.SelectMany(i => vectors.AsSpan(i * Dim, Dim).ToArray()).ToArray();
        var keptIds = keep.Select(i => ids[i]).ToArray();
        var queries = TestVectors.Gaussian(10, Dim, seed: 21);

        var result = index.Search(queries, 5);

        var expected = ExactNeighbors.Search(keptVectors, keptIds, queries, Dim, 5, FaissMetric.L2);
        Assert.Equal(expected.Ids, result.Ids);
    }

    [Theory]
    [MemberData(nameof(Factories))]
    public void RemovedId_CanBeAddedAgain(string factory)
    {
        using var index = Build(factory, 200, out var vectors, out var ids);
        index.Remove([ids[5]]);

        var replacement = TestVectors.Gaussian(1, Dim, seed: 22);
        index.Add(replacement, [ids[5]]);

        Assert.Equal(200, index.Count);
        Assert.Equal(ids[5], index.Search(replacement, 1).Ids[0]);
    }

    [Fact]
    public void Compact_KeepsLiveVectorsSearchable()
    {
        using var index = Build("HNSW32", 400, out var vectors, out var ids);
        index.Remove(ids[..40]);

        index.Compact();

        Assert.Equal(360, index.Count);
        var result = index.Search(vectors.AsSpan(40 * Dim, 10 * Dim), 1);
        Assert.Equal(ids[40..50], result.Ids);
    }

    private static FaissIndex Build(string factory, int count, out float[] vectors, out long[] ids)
    {
        vectors = TestVectors.Gaussian(count, Dim, seed: count + factory.Length);
        ids = TestVectors.Ids(count);
        var index = FaissIndex.Create(factory, Dim, FaissMetric.L2);
        if (!index.IsTrained)
        {
            index.Train(vectors);
        }

        if (factory.StartsWith("IVF", StringComparison.Ordinal))
        {
            index.SetIvfNprobe(16);
        }

        if (factory.StartsWith("HNSW", StringComparison.Ordinal))
        {
            index.SetHnswEfSearch(64);
        }

        index.Add(vectors, ids);
        return index;
    }
}

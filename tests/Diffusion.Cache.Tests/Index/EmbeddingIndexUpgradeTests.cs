using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Index;
using Diffusion.CacheStore;
using Diffusion.Kernels.Faiss;

namespace Diffusion.Cache.Tests.Index;

/// <summary>Past the exact-search limit the HNSW graph is built in the background while the exact index answers.</summary>
public sealed class EmbeddingIndexUpgradeTests
{
    private const int Width = 32;
    private static readonly IndexPartition Partition = new(RetrievalMode.PromptToPrompt, TenantId.Default, Width);

    private static float[] Unit(Random random)
    {
        var v = new float[Width];
        for (var i = 0; i < Width; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return EmbeddingVectors.Normalize(v);
    }

    [Fact]
    public async Task A_large_partition_answers_exactly_at_once_and_switches_to_HNSW_with_the_changes_made_during_the_build()
    {
        var random = new Random(3);
        var vectors = Enumerable.Range(0, 3000).ToDictionary(i => (long)i, _ => Unit(random));
        using var index = EmbeddingIndex.Build(Partition, new FaissIndexChooserOptions { ExactSearchLimit = 1000 }, vectors);

        Assert.NotNull(index.Upgrade);
        Assert.Equal(3000, index.Search(vectors[17], 1).Count == 1 ? index.Count : -1);
        Assert.Equal(17, index.Search(vectors[17], 1)[0].Id);   // exact search while the graph is built
        // changes while the graph is built: they reach it before it is swapped in
        var added = Unit(random);
        Assert.True(index.Add(5000, added));
        Assert.True(index.Remove(42));

        await index.Upgrade!;

        Assert.False(index.IsExact);
        Assert.StartsWith("HNSW", index.Factory);
        Assert.Equal(3000, index.Count);
        Assert.Equal(5000, index.Search(added, 1)[0].Id);
        Assert.DoesNotContain(index.Search(vectors[42], 10), hit => hit.Id == 42);
        Assert.Equal(17, index.Search(vectors[17], 1)[0].Id);
    }

    [Fact]
    public async Task A_partition_that_grows_past_the_limit_keeps_answering_and_switches_to_HNSW()
    {
        var random = new Random(4);
        using var index = EmbeddingIndex.Build(Partition, new FaissIndexChooserOptions { ExactSearchLimit = 50 }, new Dictionary<long, float[]>());
        var vectors = Enumerable.Range(0, 120).Select(_ => Unit(random)).ToList();
        for (var i = 0; i < vectors.Count; i++)
        {
            index.Add(i, vectors[i]);
            Assert.Equal(i, index.Search(vectors[i], 1)[0].Id);
        }
        Assert.NotNull(index.Upgrade);
        await index.Upgrade!.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(index.IsExact);
        Assert.Equal(119, index.Search(vectors[119], 1)[0].Id);
    }

    [Fact]
    public async Task Disposing_a_partition_while_its_graph_is_built_ends_the_build_quietly_without_swapping_it_in()
    {
        var random = new Random(5);
        var vectors = Enumerable.Range(0, 6000).ToDictionary(i => (long)i, _ => Unit(random));
        var index = EmbeddingIndex.Build(Partition, new FaissIndexChooserOptions { ExactSearchLimit = 1000 }, vectors);
        var build = index.Upgrade;
        Assert.NotNull(build);

        index.Dispose();

        await build!.WaitAsync(TimeSpan.FromSeconds(60));   // ends quietly: no use of the disposed index, nothing thrown
        Assert.True(index.IsExact, "a graph was swapped into a disposed partition");
        Assert.Throws<ObjectDisposedException>(() => index.Search(vectors[1], 1));
    }
}

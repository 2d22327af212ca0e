using Diffusion.CacheStore;
using Diffusion.Kernels.Faiss;

namespace Diffusion.Cache.Tests.Index;

/// <summary>The saved FAISS index is an optimisation: adopted only when it matches the store, rebuilt otherwise.</summary>
public sealed class IndexPersistenceTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_saved_index_that_matches_the_store_is_adopted_on_the_next_start()
    {
        await using (var cache = await OpenAsync())
        {
            for (var i = 0; i < 5; i++)
            {
                await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.6, axis: 1 + i), Synthetic.Facts(), TenantId.Default, i, imageEmbedding: Synthetic.AtSimilarity(0.3, axis: 2 + i));
            }
        } // dispose saves

        await using var again = await OpenAsync();
        Assert.Equal(2, again.IndexStart.Partitions.Count);
        Assert.All(again.IndexStart.Partitions, p => Assert.True(p.Loaded, p.Reason));
        Assert.Equal(5, again.Index.Ids(RetrievalMode.PromptToPrompt, TenantId.Default).Count);
        Assert.Equal(5, again.Index.Ids(RetrievalMode.PromptToImage, TenantId.Default).Count);
        var lookup = await again.LookupAsync(Synthetic.AtSimilarity(0.6, axis: 3), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.True(lookup.IsHit);
        Assert.Equal((2, 25), Synthetic.Decode(lookup.StartLatent!));
    }

    [Fact]
    public async Task Temporary_files_of_a_save_cut_short_are_deleted_at_the_next_start_and_the_saved_index_still_adopted()
    {
        await using (var cache = await OpenAsync())
        {
            await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.6, axis: 1), Synthetic.Facts(), TenantId.Default, 0);
        }
        // what a kill during the next save would leave: FaissIndex's and AtomicFile's temporary files
        var folder = Path.GetDirectoryName(IndexFile("json"))!;
        var leftovers = new[] { Path.Combine(folder, $".d{Synthetic.Dimension}.faiss.0123.tmp"), IndexFile("json") + ".4567.tmp" };
        foreach (var leftover in leftovers)
        {
            await File.WriteAllTextAsync(leftover, "half written");
        }

        await using var again = await OpenAsync();
        Assert.All(leftovers, leftover => Assert.False(File.Exists(leftover), leftover));
        Assert.True(Assert.Single(again.IndexStart.Partitions).Loaded);
    }

    [Fact]
    public async Task A_saved_index_older_than_the_store_is_rebuilt_from_the_store()
    {
        await using (var cache = await OpenAsync())
        {
            await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.6, axis: 1), Synthetic.Facts(), TenantId.Default, 0);
            cache.SaveIndex();
            // stored after the save: the saved index misses it (as after a crash)
            await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.6, axis: 2), Synthetic.Facts(), TenantId.Default, 1);
            File.Copy(IndexFile("faiss"), _directory.Combine("stale.faiss"));
            File.Copy(IndexFile("json"), _directory.Combine("stale.json"));
        }
        File.Copy(_directory.Combine("stale.faiss"), IndexFile("faiss"), overwrite: true);
        File.Copy(_directory.Combine("stale.json"), IndexFile("json"), overwrite: true);

        await using var again = await OpenAsync();
        var start = Assert.Single(again.IndexStart.Partitions);
        Assert.False(start.Loaded);
        Assert.Contains("disagrees with the store", start.Reason);
        Assert.Equal(again.Store.Entries().Select(e => e.Key.Id.Value).ToHashSet(),
            again.Index.Ids(RetrievalMode.PromptToPrompt, TenantId.Default).ToHashSet());
        Assert.True((await again.LookupAsync(Synthetic.AtSimilarity(0.6, axis: 2), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default)).IsHit);
    }

    [Fact]
    public async Task A_manifest_that_matches_over_a_garbage_index_file_is_caught_and_rebuilt()
    {
        await using (var cache = await OpenAsync())
        {
            await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.6, axis: 1), Synthetic.Facts(), TenantId.Default, 0);
            await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.6, axis: 2), Synthetic.Facts(), TenantId.Default, 1);
        }
        // an index with the same ids but other vectors: only the self-search sample can tell
        var ids = (await OpenStoreIdsAsync()).ToArray();
        using (var wrong = FaissIndex.Create("Flat", Synthetic.Dimension, FaissMetric.InnerProduct))
        {
            wrong.Add([.. Synthetic.AtSimilarity(0.1, axis: 5), .. Synthetic.AtSimilarity(0.1, axis: 6)], ids);
            wrong.Save(IndexFile("faiss"));
        }

        await using var again = await OpenAsync();
        var start = Assert.Single(again.IndexStart.Partitions);
        Assert.False(start.Loaded);
        Assert.Contains("nearest neighbour", start.Reason);
    }

    [Fact]
    public async Task Past_the_exact_search_limit_the_index_switches_to_HNSW_and_still_finds_entries()
    {
        var options = Synthetic.CacheOptions(_directory.Path) with { IndexChooser = new FaissIndexChooserOptions { ExactSearchLimit = 3 } };
        await using var cache = await ApproximateCache.OpenLocalAsync(options, Synthetic.StoreOptions(_directory.Path));
        for (var i = 0; i < 6; i++)
        {
            await Synthetic.AdmitAsync(cache, Synthetic.AtSimilarity(0.3, axis: 1 + i), Synthetic.Facts(), TenantId.Default, i);
        }
        var lookup = await cache.LookupAsync(Synthetic.AtSimilarity(0.3, axis: 5), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.True(lookup.IsHit);
        Assert.Equal(4, Synthetic.Decode(lookup.StartLatent!).Entry);
        await cache.Index.UpgradesAsync();   // the graph is built in the background; exact search answered meanwhile
        Assert.True((await cache.LookupAsync(Synthetic.AtSimilarity(0.3, axis: 5), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default)).IsHit);
        cache.SaveIndex();
        var manifest = File.ReadAllText(IndexFile("json"));
        Assert.Contains("HNSW", manifest);
    }

    [Fact]
    public async Task A_shared_tenant_is_seen_by_every_tenant_only_when_configured()
    {
        var shared = new TenantId("public");
        await using (var cache = await OpenAsync())
        {
            await Synthetic.AdmitAsync(cache, Synthetic.Base, Synthetic.Facts(), shared, 7);
            Assert.False((await cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), new TenantId("carol"), CacheMode.Auto, default)).IsHit);
        }
        var options = Synthetic.CacheOptions(_directory.Path) with { SharedTenant = shared };
        await using var withShared = await ApproximateCache.OpenLocalAsync(options, Synthetic.StoreOptions(_directory.Path));
        var lookup = await withShared.LookupAsync(Synthetic.Base, Synthetic.Facts(), new TenantId("carol"), CacheMode.Auto, default);
        Assert.True(lookup.IsHit);
        Assert.Equal(shared, lookup.Source!.Value.Tenant);
    }

    private Task<ApproximateCache> OpenAsync() =>
        ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Path), Synthetic.StoreOptions(_directory.Path));

    private async Task<IEnumerable<long>> OpenStoreIdsAsync()
    {
        await using var store = await LatentStore.OpenLocalAsync(Synthetic.StoreOptions(_directory.Path));
        return store.Entries().Select(e => e.Key.Id.Value).ToArray();
    }

    private string IndexFile(string extension) => _directory.Combine("index", "prompt-to-prompt", "default", $"d{Synthetic.Dimension}.{extension}");

    public void Dispose() => _directory.Dispose();
}

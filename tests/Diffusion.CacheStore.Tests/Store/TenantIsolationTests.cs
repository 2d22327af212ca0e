using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Store;

public sealed class TenantIsolationTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly TenantId _alice = new("alice");
    private readonly TenantId _bob = new("bob");

    [Fact]
    public async Task One_tenant_can_neither_see_nor_overwrite_another_tenants_entries()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var options = StoreFactory.Options(_directory, 1 << 20);
        await using var store = new LatentStore(options, new FileLatentDevice(_directory.Combine("latents")),
            SqliteMetadataBackend.Open(_directory.Combine("meta.db")), null, time);
        await store.OpenAsync();
        var aliceEntry = TestEntries.Descriptor(_alice, prompt: "alice's secret prompt");
        var bobKey = new CacheEntryKey(_bob, aliceEntry.Key.Id); // same id, other tenant
        var bobEntry = aliceEntry with { Key = bobKey, Prompt = "bob tries to overwrite" };

        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(aliceEntry, 10, TestEntries.Latent(1), TestEntries.SmallShape));
        Assert.Equal(LatentWriteStatus.TenantConflict, store.TryEnqueueWrite(bobEntry, 15, TestEntries.Latent(2), TestEntries.SmallShape));
        await store.FlushAsync();
        Assert.Equal(LatentWriteStatus.TenantConflict, store.TryEnqueueWrite(bobEntry, 10, TestEntries.Latent(2), TestEntries.SmallShape));

        Assert.Empty(store.StoredKs(bobKey));
        Assert.Equal(LatentReadStatus.Miss, (await store.ReadAsync(bobKey, 10)).Status);
        Assert.False(store.RecordHit(bobKey, 10));
        Assert.Null(store.Find(bobKey));
        Assert.Empty(store.Entries(_bob));
        store.TrySetImageEmbedding(bobKey, [1f, 2f]);
        await store.FlushAsync();

        var alice = store.Find(aliceEntry.Key);
        Assert.NotNull(alice);
        Assert.Equal("alice's secret prompt", alice.Entry.Prompt);
        Assert.Null(alice.ImageEmbedding);
        Assert.Equal(0, alice.Latents.Single().Hits);
        Assert.Equal([10], store.StoredKs(aliceEntry.Key));
        Assert.Single(store.Entries(_alice));
        Assert.True(File.Exists(_directory.Combine("latents", "alice", $"{aliceEntry.Key.Id}.k10.dlat")));
        Assert.False(Directory.Exists(_directory.Combine("latents", "bob")));
    }

    public void Dispose() => _directory.Dispose();
}

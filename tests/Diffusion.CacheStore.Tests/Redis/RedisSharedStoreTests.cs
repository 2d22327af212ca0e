using System.Collections.Concurrent;
using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Redis;

public sealed class RedisSharedStoreTests : IAsyncLifetime
{
    private readonly RedisTestServer _redis = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private static CacheStoreOptions Options(long maxBytes) => new()
    {
        DataDirectory = Path.GetTempPath(), // unused by a shared store
        MaxBytes = new ByteSize(maxBytes),
        MaxLatentElements = 64,
        GracePeriod = TimeSpan.FromSeconds(30), // b's new latents are protected; a's (a minute old) are not
    };

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition(), $"timed out waiting until {what}");
    }

    [RedisFact]
    public async Task Two_instances_see_each_others_entries_hits_embeddings_and_evictions_through_the_stream()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        long perLatent = TestEntries.FileBytes();
        await using var a = await LatentStore.OpenSharedAsync(Options(2 * perLatent), await _redis.ConnectAsync(), time);
        await using var b = await LatentStore.OpenSharedAsync(Options(2 * perLatent), await _redis.ConnectAsync(), time);
        var addedOnB = new ConcurrentQueue<CacheEntryMetadata>();
        var removedOnB = new ConcurrentQueue<CacheEntryKey>();
        var updatedOnB = new ConcurrentQueue<CacheEntryMetadata>();
        b.EntryAdded += addedOnB.Enqueue;
        b.EntryRemoved += removedOnB.Enqueue;
        b.EntryUpdated += updatedOnB.Enqueue;
        var first = TestEntries.Descriptor(prompt: "written by instance a");
        float[] latent = TestEntries.Latent(9);

        a.TryEnqueueWrite(first, 10, latent, TestEntries.SmallShape);
        a.TryEnqueueWrite(first, 20, TestEntries.Latent(10), TestEntries.SmallShape);
        await a.FlushAsync();

        await Eventually(() => b.StoredKs(first.Key).Count == 2, "instance b sees both latents of a's entry");
        var announced = Assert.Single(addedOnB);
        Assert.Equal("written by instance a", announced.Entry.Prompt);
        Assert.Equal(first.TextEmbedding, announced.Entry.TextEmbedding);
        var read = await b.ReadAsync(first.Key, 10);
        Assert.True(read.IsHit);
        Assert.Equal(latent.Select(v => (float)(Half)v), read.Values!);
        Assert.Equal(a.UsedBytes, b.UsedBytes);

        Assert.True(b.RecordHit(first.Key, 10));
        await b.FlushAsync();
        await Eventually(() => a.Find(first.Key)?.Latents.Single(l => l.K == 10).Hits == 1, "instance a sees b's hit");

        Assert.True(a.TrySetImageEmbedding(first.Key, [1f, 2f, 3f]));
        await a.FlushAsync();
        await Eventually(() => !updatedOnB.IsEmpty, "instance b hears about the image embedding");
        Assert.Equal([1f, 2f, 3f], b.Find(first.Key)!.ImageEmbedding!);

        // b writes two latents of a new entry into a budget of two: a's entry loses K=20 (score 0) and then K=10 (score 10).
        time.Advance(TimeSpan.FromMinutes(1));
        var second = TestEntries.Descriptor(prompt: "written by instance b");
        b.TryEnqueueWrite(second, 5, TestEntries.Latent(11), TestEntries.SmallShape);
        await b.FlushAsync();
        b.TryEnqueueWrite(second, 15, TestEntries.Latent(12), TestEntries.SmallShape);
        await b.FlushAsync();

        Assert.Equal([first.Key], removedOnB);
        await Eventually(() => a.Find(first.Key) is null, "instance a sees its entry evicted by b");
        await Eventually(() => a.StoredKs(second.Key).Count == 2, "instance a sees b's entry");
        Assert.True((await a.ReadAsync(second.Key, 15)).IsHit);
        Assert.True(b.UsedBytes <= b.MaxBytes);
    }

    [RedisFact]
    public async Task A_new_instance_loads_the_shared_cache_and_keeps_a_young_orphan_that_may_be_in_flight()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var entry = TestEntries.Descriptor();
        await using (var writer = await LatentStore.OpenSharedAsync(Options(1 << 20), await _redis.ConnectAsync(), time))
        {
            writer.TryEnqueueWrite(entry, 5, TestEntries.Latent(1), TestEntries.SmallShape);
            await writer.FlushAsync();
        }
        var connection = await _redis.ConnectAsync();
        var device = new RedisLatentDevice(connection);
        var young = new LatentKey(new CacheEntryKey(TenantId.Default, CacheEntryId.New()), 10);
        var old = new LatentKey(new CacheEntryKey(TenantId.Default, CacheEntryId.New()), 10);
        await device.WriteAsync(young, LatentFileFormat.Encode(young, TestEntries.Latent(2), TestEntries.SmallShape, time.GetUtcNow()), default);
        await device.WriteAsync(old, LatentFileFormat.Encode(old, TestEntries.Latent(3), TestEntries.SmallShape, time.GetUtcNow().AddHours(-1)), default);

        await using var reader = await LatentStore.OpenSharedAsync(Options(1 << 20), connection, time);

        Assert.Equal([5], reader.StoredKs(entry.Key));
        Assert.True((await reader.ReadAsync(entry.Key, 5)).IsHit);
        Assert.Equal(1, reader.Recovery!.OrphansKept);
        Assert.Equal(1, reader.Recovery.OrphansDeleted);
        Assert.NotNull(await device.ReadAsync(young, default));
        Assert.Null(await device.ReadAsync(old, default));
    }

    [RedisFact]
    public async Task Malformed_events_on_the_stream_are_skipped_and_later_changes_still_arrive()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var logger = new ListLogger();
        await using var a = await LatentStore.OpenSharedAsync(Options(1 << 20), await _redis.ConnectAsync(), time);
        await using var b = await LatentStore.OpenSharedAsync(Options(1 << 20), await _redis.ConnectAsync(), time, logger);
        var db = _redis.Database;
        string events = _redis.Prefix + "events";
        await db.StreamAddAsync(events, [new("op", "bogus"), new("origin", "x"), new("tenant", "default"), new("id", "0000000000000001"), new("k", 5), new("at_ms", 0)]);
        await db.StreamAddAsync(events, [new("op", "added"), new("origin", "x"), new("tenant", "Not A Tenant")]);
        await db.StreamAddAsync(events, [new("op", "added"), new("origin", "x"), new("tenant", "default"), new("id", "0000000000000002"), new("k", 5), new("at_ms", 0)]);
        var entry = TestEntries.Descriptor();

        a.TryEnqueueWrite(entry, 5, TestEntries.Latent(1), TestEntries.SmallShape);
        await a.FlushAsync();

        await Eventually(() => b.StoredKs(entry.Key).Count == 1, "instance b sees a's entry after the bad events");
        Assert.Null(b.Find(new CacheEntryKey(TenantId.Default, new CacheEntryId(2)))); // "added" for an entry that does not exist
        Assert.Contains(logger.Lines, l => l.Message.Contains("unknown op 'bogus'"));
        Assert.Contains(logger.Lines, l => l.Message.Contains("malformed cache update event"));
    }
}

using Diffusion.CacheStore;
using StackExchange.Redis;

namespace Diffusion.CacheStore.Tests.Redis;

public sealed class RedisMetadataBackendTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2025-01-01T00:00:00Z");
    private readonly RedisTestServer _redis = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [RedisFact]
    public async Task Metadata_round_trips_through_hashes_counters_sorted_set_and_stream()
    {
        var connection = await _redis.ConnectAsync();
        var backend = new RedisMetadataBackend(connection);
        var tenant = new TenantId("alice");
        var descriptor = TestEntries.Descriptor(tenant, prompt: "a castle on a hill");
        var metadata = new CacheEntryMetadata(descriptor, null, Start, Start, []);

        Assert.Equal(MetadataStatus.Ok, await backend.PutLatentAsync(metadata, new StoredLatentInfo(10, 300, 0, Start, Start), default));
        Assert.Equal(MetadataStatus.Ok, await backend.PutLatentAsync(metadata, new StoredLatentInfo(25, 320, 0, Start.AddSeconds(1), Start.AddSeconds(1)), default));
        var hitAt = Start.AddMinutes(5);
        Assert.Equal(MetadataStatus.Ok, await backend.RecordHitsAsync(
            [new HitDelta(new LatentKey(descriptor.Key, 10), 3, hitAt), new HitDelta(new LatentKey(descriptor.Key, 25), 2, hitAt)], default));
        Assert.Equal(MetadataStatus.Ok, await backend.SetImageEmbeddingAsync(descriptor.Key, [0.5f, -0.25f], default));

        // The raw field first, so a failure says whether the write or the decoding lost the embedding.
        Assert.Equal(8, ((byte[])(await _redis.Database.HashGetAsync($"{_redis.Prefix}alice:entry:{descriptor.Key.Id}", "image_embedding"))!).Length);

        var loaded = await backend.LoadAllAsync(default);
        Assert.Equal(MetadataStatus.Ok, loaded.Status);
        var entry = Assert.Single(loaded.Entries);
        Assert.Equal(descriptor.Key, entry.Key);
        Assert.Equal("a castle on a hill", entry.Entry.Prompt);
        Assert.Equal(descriptor.TextEmbedding, entry.Entry.TextEmbedding);
        Assert.Equal(descriptor.Size, entry.Entry.Size);
        Assert.Equal(descriptor.Guidance, entry.Entry.Guidance);
        Assert.Equal([0.5f, -0.25f], entry.ImageEmbedding!);
        Assert.Equal(Start, entry.Created);
        Assert.Equal(hitAt, entry.LastUsed);
        Assert.Equal([new StoredLatentInfo(10, 300, 3, Start, hitAt), new StoredLatentInfo(25, 320, 2, Start.AddSeconds(1), hitAt)], entry.Latents);

        // The structures other tools (and instances) read directly.
        var db = _redis.Database;
        string entryKey = $"{_redis.Prefix}alice:entry:{descriptor.Key.Id}";
        Assert.Equal(3, (long)await db.HashGetAsync(entryKey, "k10:hits"));
        Assert.Equal(30, await db.SortedSetScoreAsync($"{_redis.Prefix}alice:lcbfu", $"{descriptor.Key.Id}:10"));
        Assert.Equal(50, await db.SortedSetScoreAsync($"{_redis.Prefix}alice:lcbfu", $"{descriptor.Key.Id}:25"));
        var events = await db.StreamRangeAsync($"{_redis.Prefix}events");
        Assert.Equal(["added", "added", "touched", "touched", "image"], events.Select(e => e["op"].ToString()));
        Assert.All(await _redis.KeysAsync(), key => Assert.True(
            key.StartsWith(_redis.Prefix + "alice:", StringComparison.Ordinal) || key == _redis.Prefix + "tenants" || key == _redis.Prefix + "events", key));

        Assert.Equal(MetadataStatus.Ok, await backend.RemoveLatentAsync(new LatentKey(descriptor.Key, 10), default));
        Assert.Null(await db.SortedSetScoreAsync($"{_redis.Prefix}alice:lcbfu", $"{descriptor.Key.Id}:10"));
        Assert.Equal([25], (await backend.LoadAllAsync(default)).Entries.Single().Latents.Select(l => l.K));
        Assert.Equal(MetadataStatus.Ok, await backend.RemoveEntryAsync(descriptor.Key, default));
        Assert.False(await db.KeyExistsAsync(entryKey));
        Assert.Empty((await backend.LoadAllAsync(default)).Entries);
    }

    [RedisFact]
    public async Task A_hit_on_a_removed_latent_does_not_bring_its_entry_back()
    {
        var connection = await _redis.ConnectAsync();
        var backend = new RedisMetadataBackend(connection);
        var descriptor = TestEntries.Descriptor();
        await backend.PutLatentAsync(new CacheEntryMetadata(descriptor, null, Start, Start, []), new StoredLatentInfo(5, 100, 0, Start, Start), default);
        await backend.RemoveLatentAsync(new LatentKey(descriptor.Key, 5), default);
        await backend.RemoveEntryAsync(descriptor.Key, default);

        Assert.Equal(MetadataStatus.Ok, await backend.RecordHitsAsync([new HitDelta(new LatentKey(descriptor.Key, 5), 1, Start)], default));

        Assert.False(await _redis.Database.KeyExistsAsync($"{_redis.Prefix}default:entry:{descriptor.Key.Id}"));
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Redis;

/// <summary>Redis that is not there: needs no server, so it always runs.</summary>
public sealed class RedisUnavailableTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static RedisCacheOptions Options() => new()
    {
        Configuration = $"127.0.0.1:{ClosedPort()}",
        KeyPrefix = "diffusion:test:closed:",
        OperationTimeout = TimeSpan.FromMilliseconds(300),
        ConnectTimeout = TimeSpan.FromMilliseconds(500),
    };

    private static async Task<T> Timed<T>(Func<Task<T>> operation, string what)
    {
        var watch = Stopwatch.StartNew();
        T result = await operation();
        Assert.True(watch.Elapsed < Quick, $"{what} took {watch.Elapsed}");
        return result;
    }

    [Fact]
    public async Task Backend_operations_report_unavailable_quickly_without_throwing()
    {
        await using var connection = await Timed(() => RedisConnection.ConnectAsync(Options()), "connecting");
        Assert.False(connection.IsConnected);
        var backend = new RedisMetadataBackend(connection);
        var entry = TestEntries.Descriptor();
        var now = DateTimeOffset.UtcNow;
        var metadata = new CacheEntryMetadata(entry, null, now, now, []);

        Assert.Equal(MetadataStatus.Unavailable, (await Timed(async () => await backend.LoadAllAsync(default), "load")).Status);
        Assert.Equal(MetadataStatus.Unavailable, await Timed(async () => await backend.PutLatentAsync(metadata, new StoredLatentInfo(5, 1, 0, now, now), default), "put"));
        Assert.Equal(MetadataStatus.Unavailable, await Timed(async () => await backend.RecordHitsAsync([new HitDelta(new LatentKey(entry.Key, 5), 1, now)], default), "hits"));
        Assert.Equal(MetadataStatus.Unavailable, await Timed(async () => await backend.RemoveLatentAsync(new LatentKey(entry.Key, 5), default), "remove"));
        Assert.Equal(MetadataStatus.Unavailable, await Timed(async () => await backend.SetImageEmbeddingAsync(entry.Key, [1f], default), "image"));

        var device = new RedisLatentDevice(connection);
        await Assert.ThrowsAsync<IOException>(async () => await device.ReadAsync(new LatentKey(entry.Key, 5), default));
    }

    [Fact]
    public async Task A_shared_store_without_redis_opens_and_degrades_to_misses_without_throwing()
    {
        await using var connection = await RedisConnection.ConnectAsync(Options());
        var options = new CacheStoreOptions { DataDirectory = Path.GetTempPath(), MaxBytes = ByteSize.Parse("1MB"), MaxLatentElements = 64 };
        var logger = new ListLogger();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));

        await using var store = await Timed(() => LatentStore.OpenSharedAsync(options, connection, time, logger), "opening the store");

        Assert.False(store.Recovery!.MetadataAvailable);
        var entry = TestEntries.Descriptor();
        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(entry, 5, TestEntries.Latent(1), TestEntries.SmallShape));
        await Timed(async () => { await store.FlushAsync(); return 0; }, "flushing");
        Assert.Equal(1, store.Stats.WritesFailed);
        Assert.Empty(store.StoredKs(entry.Key));
        Assert.Equal(LatentReadStatus.Miss, (await store.ReadAsync(entry.Key, 5)).Status);
        Assert.Equal(0, store.UsedBytes);
        Assert.Contains(logger.Lines, l => l.Message.Contains("unavailable"));
    }
}

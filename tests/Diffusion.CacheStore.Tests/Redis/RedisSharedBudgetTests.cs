using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Diffusion.CacheStore.Tests.Redis;

/// <summary>The byte budget of a store shared by several instances holds across them (Redis-side, in Lua).</summary>
public sealed class RedisSharedBudgetTests : IAsyncLifetime
{
    private readonly RedisTestServer _redis = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private static CacheStoreOptions Options(long maxBytes) => new()
    {
        DataDirectory = Path.GetTempPath(),
        MaxBytes = new ByteSize(maxBytes),
        MaxLatentElements = 64,
        GracePeriod = TimeSpan.Zero,
    };

    private static LatentKey NewKey(int k = 10) => new(new CacheEntryKey(TenantId.Default, CacheEntryId.New()), k);

    private static byte[] Blob(LatentKey key, int seed) =>
        LatentFileFormat.Encode(key, TestEntries.Latent(seed), TestEntries.SmallShape, DateTimeOffset.UnixEpoch);

    /// <summary>The bytes the latents really take, summed over their keys (not the counter the scripts keep).</summary>
    private async Task<long> StoredBytesAsync()
    {
        var server = _redis.Database.Multiplexer.GetServers().Single();
        long total = 0;
        await foreach (var key in server.KeysAsync(pattern: _redis.Prefix + "*:latent:*"))
        {
            total += await _redis.Database.StringLengthAsync(key);
        }
        return total;
    }

    [RedisFact]
    public async Task The_device_refuses_a_write_over_the_budget_and_a_latent_deleted_twice_is_counted_off_once()
    {
        var connection = await _redis.ConnectAsync();
        long one = TestEntries.FileBytes();
        var device = new RedisLatentDevice(connection, 2 * one);
        var (a, b, c) = (NewKey(), NewKey(), NewKey());

        await device.WriteAsync(a, Blob(a, 1), default);
        await device.WriteAsync(b, Blob(b, 2), default);
        var refused = await Assert.ThrowsAsync<LatentBudgetExceededException>(async () => await device.WriteAsync(c, Blob(c, 3), default));

        Assert.Equal(one, refused.OverBytes);
        Assert.Null(await device.ReadAsync(c, default));
        Assert.Equal(2 * one, await device.UsedBytesAsync(default));
        var otherInstance = new RedisLatentDevice(await _redis.ConnectAsync(), 2 * one);
        Assert.True(await device.DeleteAsync(a, default));
        Assert.False(await otherInstance.DeleteAsync(a, default));
        Assert.Equal(one, await device.UsedBytesAsync(default));
        await otherInstance.WriteAsync(c, Blob(c, 3), default);
        Assert.Equal(await StoredBytesAsync(), await device.UsedBytesAsync(default));
    }

    [RedisFact]
    public async Task The_counter_starts_from_latents_stored_before_it_existed()
    {
        long one = TestEntries.FileBytes();
        var old = NewKey();
        await _redis.ConnectAsync();
        await _redis.Database.StringSetAsync(_redis.Prefix + $"default:latent:{old.Id}:k10", Blob(old, 1));
        var device = new RedisLatentDevice(await _redis.ConnectAsync(), 2 * one);
        Assert.Null(await device.UsedBytesAsync(default));

        var fresh = NewKey();
        await device.WriteAsync(fresh, Blob(fresh, 2), default);

        Assert.Equal(2 * one, await device.UsedBytesAsync(default));
        var third = NewKey();
        await Assert.ThrowsAsync<LatentBudgetExceededException>(async () => await device.WriteAsync(third, Blob(third, 3), default));
    }

    [RedisFact]
    public async Task Three_instances_writing_at_once_never_take_the_shared_store_over_its_budget()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        long one = TestEntries.FileBytes();
        long budget = 5 * one;
        var stores = new List<LatentStore>();
        for (int i = 0; i < 3; i++)
        {
            stores.Add(await LatentStore.OpenSharedAsync(Options(budget), await _redis.ConnectAsync(), time));
        }
        var device = new RedisLatentDevice(await _redis.ConnectAsync());
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, await device.UsedBytesAsync(default) ?? 0);
                await Task.Delay(2);
            }
        });

        try
        {
            // Each instance writes 8 latents in a burst, faster than the update stream tells the others: each one's
            // catalog alone would let it fill the whole budget.
            for (int round = 0; round < 8; round++)
            {
                foreach (var (store, i) in stores.Select((s, i) => (s, i)))
                {
                    Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(TestEntries.Descriptor(prompt: $"instance {i} round {round}"), 10, TestEntries.Latent(round * 3 + i), TestEntries.SmallShape));
                }
            }
            await Task.WhenAll(stores.Select(s => s.FlushAsync()));
        }
        finally
        {
            sampling.Cancel();
            await sampler;
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        long stored = await StoredBytesAsync();
        Assert.True(peak <= budget, $"the shared counter reached {peak} bytes, over the budget of {budget}");
        Assert.True(stored <= budget, $"the latents take {stored} bytes, over the budget of {budget}");
        Assert.Equal(stored, await device.UsedBytesAsync(default));
        Assert.True(stored >= budget - one, $"eviction freed more than it had to: {stored} of {budget} bytes left");
    }
}

using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Store;

public sealed class BudgetTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData("lcbfu", 1, 0)]
    [InlineData("lcbfu", 2, 600)] // a long grace period: protected latents must still go when nothing else can
    [InlineData("lru", 3, 0)]
    [InlineData("fifo", 4, 0)]
    public async Task The_budget_is_never_exceeded_under_a_random_workload(string policy, int seed, int graceSeconds)
    {
        var random = new Random(seed);
        var device = new MemoryLatentDevice();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        long maxBytes = 3000 + random.Next(2000);
        var options = StoreFactory.Options(_directory, maxBytes, policy: policy, grace: TimeSpan.FromSeconds(graceSeconds));
        await using var store = await StoreFactory.OpenMemoryAsync(_directory, device, options, time);
        var entries = Enumerable.Range(0, 30).Select(i => TestEntries.Descriptor(tenant: i % 3 == 0 ? new TenantId("other") : null)).ToArray();
        int[] ks = [5, 10, 15, 20, 25];

        for (int step = 0; step < 400; step++)
        {
            var entry = entries[random.Next(entries.Length)];
            int k = ks[random.Next(ks.Length)];
            switch (random.Next(3))
            {
                case 0:
                    int[] shape = [random.Next(1, 5), random.Next(1, 5), random.Next(1, 5)];
                    store.TryEnqueueWrite(entry, k, TestEntries.Latent(step, shape[0] * shape[1] * shape[2]), shape);
                    break;
                case 1:
                    store.RecordHit(entry.Key, k);
                    break;
                default:
                    var read = await store.ReadAsync(entry.Key, k);
                    Assert.NotEqual(LatentReadStatus.Corrupt, read.Status);
                    break;
            }
            time.Advance(TimeSpan.FromSeconds(random.Next(1, 20)));
            Assert.True(store.UsedBytes <= maxBytes, $"step {step}: {store.UsedBytes} > {maxBytes}");
            if (step % 25 == 0)
            {
                await store.FlushAsync();
                Assert.Equal(device.TotalBytes, store.UsedBytes);
            }
        }
        await store.FlushAsync();

        Assert.True(device.PeakBytes <= maxBytes, $"the device held {device.PeakBytes} bytes, budget {maxBytes}");
        Assert.Equal(device.TotalBytes, store.UsedBytes);
        Assert.Equal(device.Count, store.Stats.Latents);
        Assert.True(store.Stats.Evictions > 0, "the workload should have needed evictions");
        Assert.True(device.TotalBytes > maxBytes / 2, "the store should stay reasonably full");
    }

    public void Dispose() => _directory.Dispose();
}

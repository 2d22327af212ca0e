using Diffusion.CacheStore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Store;

public sealed class FullDiskTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_full_disk_drops_the_write_with_a_log_line_and_a_counter_and_nothing_else_breaks()
    {
        var device = new MemoryLatentDevice();
        var logger = new ListLogger();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        await using var store = await StoreFactory.OpenMemoryAsync(_directory, device, StoreFactory.Options(_directory, 1 << 20), time, logger);
        var kept = TestEntries.Descriptor();
        var lost = TestEntries.Descriptor();
        store.TryEnqueueWrite(kept, 5, TestEntries.Latent(1), TestEntries.SmallShape);
        await store.FlushAsync();

        device.FailWrites = true;
        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(lost, 5, TestEntries.Latent(2), TestEntries.SmallShape));
        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(kept, 10, TestEntries.Latent(3), TestEntries.SmallShape));
        await store.FlushAsync();

        Assert.Equal(2, store.Stats.WritesFailed);
        Assert.Equal(2, logger.Messages(LogLevel.Error).Count(m => m.Contains("device write failed") && m.Contains("No space left")));
        Assert.Empty(store.StoredKs(lost.Key));
        Assert.Equal([5], store.StoredKs(kept.Key));
        Assert.Equal(TestEntries.FileBytes(), store.UsedBytes); // reservations of failed writes are released
        Assert.True((await store.ReadAsync(kept.Key, 5)).IsHit);

        device.FailWrites = false;
        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(lost, 5, TestEntries.Latent(2), TestEntries.SmallShape));
        await store.FlushAsync();
        Assert.True((await store.ReadAsync(lost.Key, 5)).IsHit);
        Assert.Equal(device.TotalBytes, store.UsedBytes);
    }

    [Fact]
    public async Task A_device_smaller_than_the_budget_fails_writes_that_do_not_fit_and_keeps_accounting_right()
    {
        var device = new MemoryLatentDevice { CapacityBytes = 3 * TestEntries.FileBytes() };
        await using var store = await StoreFactory.OpenMemoryAsync(_directory, device, StoreFactory.Options(_directory, 1 << 20));
        for (int i = 0; i < 5; i++)
        {
            store.TryEnqueueWrite(TestEntries.Descriptor(), 5, TestEntries.Latent(i), TestEntries.SmallShape);
        }
        await store.FlushAsync();

        Assert.Equal(3, store.Stats.WritesCompleted);
        Assert.Equal(2, store.Stats.WritesFailed);
        Assert.Equal(device.TotalBytes, store.UsedBytes);
    }

    public void Dispose() => _directory.Dispose();
}

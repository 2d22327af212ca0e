using Diffusion.CacheStore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Store;

public sealed class RecoveryTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly MemoryLatentDevice _device = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));

    private Task<LatentStore> OpenAsync(ListLogger? logger = null, long maxBytes = 1 << 20) =>
        StoreFactory.OpenMemoryAsync(_directory, _device, StoreFactory.Options(_directory, maxBytes), _time, logger);

    [Fact]
    public async Task Recovery_discards_corrupt_files_and_reconciles_metadata_and_latents_both_ways()
    {
        var healthy = TestEntries.Descriptor(prompt: "healthy");
        var flipped = TestEntries.Descriptor(prompt: "flipped");
        var torn = TestEntries.Descriptor(prompt: "torn");
        var vanished = TestEntries.Descriptor(prompt: "vanished");
        await using (var store = await OpenAsync())
        {
            foreach (var entry in new[] { healthy, flipped, torn, vanished })
            {
                store.TryEnqueueWrite(entry, 5, TestEntries.Latent(1), TestEntries.SmallShape);
            }
            store.TryEnqueueWrite(healthy, 10, TestEntries.Latent(2), TestEntries.SmallShape);
            await store.FlushAsync();
        }

        byte[] good = (await _device.ReadAsync(new LatentKey(flipped.Key, 5), default))!;
        byte[] bad = (byte[])good.Clone();
        bad[^20] ^= 0x40;
        _device.PutRaw(new LatentKey(flipped.Key, 5), bad);
        _device.PutRaw(new LatentKey(torn.Key, 5), good[..(good.Length / 2)]);
        await _device.DeleteAsync(new LatentKey(vanished.Key, 5), default);
        var orphan = new LatentKey(new CacheEntryKey(TenantId.Default, CacheEntryId.New()), 15);
        _device.PutRaw(orphan, LatentFileFormat.Encode(orphan, TestEntries.Latent(3), TestEntries.SmallShape, _time.GetUtcNow()));
        var misnamed = new LatentKey(healthy.Key, 20); // a whole file, but its header names another latent
        _device.PutRaw(misnamed, good);

        var logger = new ListLogger();
        await using (var store = await OpenAsync(logger))
        {
            var report = store.Recovery!;
            Assert.Equal(3, report.CorruptDiscarded);        // flipped, torn, misnamed
            Assert.Equal(1, report.OrphansDeleted);          // orphan
            Assert.Equal(3, report.MetadataDropped);         // flipped, torn, vanished
            Assert.Equal(1, report.EntriesLoaded);
            Assert.Equal(2, report.LatentsLoaded);
            Assert.Equal(3, store.Stats.CorruptDiscarded);

            var corruptLines = logger.Messages(LogLevel.Warning).Where(m => m.StartsWith("Discarding corrupt latent", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, corruptLines.Count);
            Assert.Contains(corruptLines, l => l.Contains(flipped.Key.Id.ToString()) && l.Contains("PayloadChecksumMismatch"));
            Assert.Contains(corruptLines, l => l.Contains(torn.Key.Id.ToString()) && l.Contains("Truncated"));
            Assert.Contains(corruptLines, l => l.Contains("its header names"));

            foreach (var entry in new[] { flipped, torn, vanished })
            {
                Assert.Equal(LatentReadStatus.Miss, (await store.ReadAsync(entry.Key, 5)).Status);
                Assert.Null(store.Find(entry.Key));
            }
            Assert.Equal([5, 10], store.StoredKs(healthy.Key));
            Assert.True((await store.ReadAsync(healthy.Key, 10)).IsHit);
            Assert.False(_device.Contains(orphan));
            Assert.False(_device.Contains(misnamed));
            Assert.Equal(2, _device.Count);
            Assert.Equal(_device.TotalBytes, store.UsedBytes);
        }

        // A second start finds nothing left to repair.
        await using var again = await OpenAsync();
        Assert.Equal(new RecoveryReport(true, true, 0, 0, 0, 0, 0, 1, 2), again.Recovery);
    }

    [Fact]
    public async Task A_file_that_goes_bad_after_start_is_reported_corrupt_on_read_and_never_served()
    {
        var entry = TestEntries.Descriptor();
        var logger = new ListLogger();
        await using var store = await OpenAsync(logger);
        var removed = new List<CacheEntryKey>();
        store.EntryRemoved += removed.Add;
        store.TryEnqueueWrite(entry, 5, TestEntries.Latent(1), TestEntries.SmallShape);
        await store.FlushAsync();
        var key = new LatentKey(entry.Key, 5);
        byte[] blob = (await _device.ReadAsync(key, default))!;
        blob[60] ^= 0xFF;
        _device.PutRaw(key, blob);

        var read = await store.ReadAsync(entry.Key, 5);

        Assert.Equal(LatentReadStatus.Corrupt, read.Status);
        Assert.Null(read.Values);
        Assert.Equal([entry.Key], removed);
        Assert.Empty(store.StoredKs(entry.Key));
        Assert.Equal(1, store.Stats.CorruptDiscarded);
        Assert.Single(logger.Messages(LogLevel.Warning), m => m.StartsWith("Discarding corrupt latent", StringComparison.Ordinal));
        await store.FlushAsync();
        Assert.False(_device.Contains(key));
        Assert.Equal(0, store.UsedBytes);
    }

    [Fact]
    public async Task A_smaller_budget_at_start_evicts_down_to_it()
    {
        await using (var store = await OpenAsync())
        {
            for (int i = 0; i < 6; i++)
            {
                store.TryEnqueueWrite(TestEntries.Descriptor(), 5, TestEntries.Latent(i), TestEntries.SmallShape);
            }
            await store.FlushAsync();
        }
        long budget = 4 * TestEntries.FileBytes();

        await using var smaller = await OpenAsync(maxBytes: budget);

        Assert.Equal(budget, smaller.UsedBytes);
        Assert.Equal(4, _device.Count);
        Assert.Equal(2, smaller.Stats.Evictions);
    }

    [Fact]
    public async Task Leftover_temporary_files_are_removed_at_start()
    {
        var options = StoreFactory.Options(_directory, 1 << 20) with { DataDirectory = _directory.Combine("data") };
        var entry = TestEntries.Descriptor();
        await using (var store = await LatentStore.OpenLocalAsync(options, _time))
        {
            store.TryEnqueueWrite(entry, 5, TestEntries.Latent(1), TestEntries.SmallShape);
            await store.FlushAsync();
        }
        string tenantDirectory = _directory.Combine("data", "latents", "default");
        await File.WriteAllBytesAsync(Path.Combine(tenantDirectory, $".{entry.Key.Id}.k10.dlat.abc.tmp"), new byte[100]);

        await using var reopened = await LatentStore.OpenLocalAsync(options, _time);

        Assert.Equal(1, reopened.Recovery!.LeftoversRemoved);
        Assert.Empty(Directory.GetFiles(tenantDirectory, "*.tmp"));
        Assert.Equal([5], reopened.StoredKs(entry.Key));
    }

    public void Dispose() => _directory.Dispose();
}

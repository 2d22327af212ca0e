using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Store;

public sealed class LatentStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly MemoryLatentDevice _device = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));

    private Task<LatentStore> OpenAsync(long maxBytes = 1 << 20, int queue = 256) =>
        StoreFactory.OpenMemoryAsync(_directory, _device, StoreFactory.Options(_directory, maxBytes, queue), _time);

    [Fact]
    public async Task Written_latents_read_back_with_their_shape_and_the_entry_is_announced_once()
    {
        await using var store = await OpenAsync();
        var added = new List<CacheEntryMetadata>();
        store.EntryAdded += added.Add;
        var entry = TestEntries.Descriptor();
        float[] latent = TestEntries.Latent(1);

        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(entry, 5, latent, TestEntries.SmallShape));
        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(entry, 15, TestEntries.Latent(2), TestEntries.SmallShape));
        await store.FlushAsync();

        var read = await store.ReadAsync(entry.Key, 5);
        Assert.Equal(LatentReadStatus.Hit, read.Status);
        Assert.Equal(TestEntries.SmallShape, read.Shape);
        Assert.Equal(latent.Select(v => (float)(Half)v), read.Values!);
        Assert.Equal([5, 15], store.StoredKs(entry.Key));
        Assert.Equal(LatentWriteStatus.AlreadyStored, store.TryEnqueueWrite(entry, 5, latent, TestEntries.SmallShape));

        var announced = Assert.Single(added);
        Assert.Equal(entry, announced.Entry);
        Assert.Equal(2 * TestEntries.FileBytes(), store.UsedBytes);
        Assert.Equal(_device.TotalBytes, store.UsedBytes);
        Assert.Equal(2, store.Stats.WritesCompleted);
    }

    [Fact]
    public async Task The_best_k_is_the_largest_stored_k_not_above_the_requested_one()
    {
        await using var store = await OpenAsync();
        var entry = TestEntries.Descriptor();
        foreach (int k in new[] { 5, 15, 25 })
        {
            store.TryEnqueueWrite(entry, k, TestEntries.Latent(k), TestEntries.SmallShape);
        }
        await store.FlushAsync();

        Assert.True(store.TryGetBestK(entry.Key, 20, out int best));
        Assert.Equal(15, best);
        Assert.True(store.TryGetBestK(entry.Key, 25, out best));
        Assert.Equal(25, best);
        Assert.False(store.TryGetBestK(entry.Key, 4, out _));
        Assert.Equal(LatentReadStatus.Miss, (await store.ReadAsync(entry.Key, 10)).Status);
    }

    [Fact]
    public async Task Hits_and_image_embeddings_persist_across_a_restart()
    {
        var entry = TestEntries.Descriptor(prompt: "a lighthouse at dusk");
        float[] image = TestEntries.Embedding(5, 8);
        await using (var store = await OpenAsync())
        {
            var updated = new List<CacheEntryMetadata>();
            store.EntryUpdated += updated.Add;
            store.TryEnqueueWrite(entry, 10, TestEntries.Latent(3), TestEntries.SmallShape);
            await store.FlushAsync();
            _time.Advance(TimeSpan.FromMinutes(3));
            Assert.True(store.RecordHit(entry.Key, 10));
            Assert.True(store.RecordHit(entry.Key, 10));
            Assert.False(store.RecordHit(entry.Key, 20));
            Assert.True(store.TrySetImageEmbedding(entry.Key, image));
            await store.FlushAsync();
            Assert.Equal(image, Assert.Single(updated).ImageEmbedding);
        }

        await using var reopened = await OpenAsync();
        var metadata = reopened.Find(entry.Key);
        Assert.NotNull(metadata);
        Assert.Equal("a lighthouse at dusk", metadata.Entry.Prompt);
        Assert.Equal(entry.TextEmbedding, metadata.Entry.TextEmbedding);
        Assert.Equal(image, metadata.ImageEmbedding);
        var latent = Assert.Single(metadata.Latents);
        Assert.Equal(2, latent.Hits);
        Assert.Equal(_time.GetUtcNow(), latent.LastUsed);
        Assert.Equal(DateTimeOffset.Parse("2025-01-01T00:00:00Z"), latent.StoredAt);
        Assert.Equal(TestEntries.FileBytes(), latent.Bytes);
        Assert.Equal(LatentReadStatus.Hit, (await reopened.ReadAsync(entry.Key, 10)).Status);
    }

    [Fact]
    public async Task Evicting_the_last_k_of_an_entry_raises_EntryRemoved()
    {
        long perLatent = TestEntries.FileBytes();
        await using var store = await OpenAsync(maxBytes: 2 * perLatent);
        var removed = new List<CacheEntryKey>();
        store.EntryRemoved += removed.Add;
        var first = TestEntries.Descriptor();
        var second = TestEntries.Descriptor();

        store.TryEnqueueWrite(first, 5, TestEntries.Latent(1), TestEntries.SmallShape);
        store.TryEnqueueWrite(first, 10, TestEntries.Latent(2), TestEntries.SmallShape);
        await store.FlushAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        store.TryEnqueueWrite(second, 10, TestEntries.Latent(3), TestEntries.SmallShape);
        await store.FlushAsync();
        Assert.Empty(removed); // LCBFU took first's K=5 (all scores 0, smaller K first); first still has K=10
        Assert.Equal([10], store.StoredKs(first.Key));

        // Tie on score and K: the less recently used K=10 (first's) goes, and first has nothing left.
        store.TryEnqueueWrite(second, 15, TestEntries.Latent(4), TestEntries.SmallShape);
        await store.FlushAsync();

        Assert.Equal([first.Key], removed);
        Assert.Null(store.Find(first.Key));
        Assert.Equal(2, store.Stats.Evictions);
        Assert.True(store.UsedBytes <= store.MaxBytes);
    }

    [Fact]
    public async Task A_full_queue_drops_writes_with_a_counter_instead_of_blocking()
    {
        var gate = new GatedDevice(_device);
        var options = StoreFactory.Options(_directory, 1 << 20, queue: 2);
        await using var store = new LatentStore(options, gate, SqliteMetadataBackend.Open(_directory.Combine("meta.db")), null, _time);
        await store.OpenAsync();
        var statuses = new List<LatentWriteStatus>();
        for (int i = 0; i < 6; i++)
        {
            statuses.Add(store.TryEnqueueWrite(TestEntries.Descriptor(), 5, TestEntries.Latent(i), TestEntries.SmallShape));
            if (i == 0)
            {
                await gate.FirstWriteStarted.WaitAsync(TimeSpan.FromSeconds(10)); // the writer holds one, the queue holds two
            }
        }

        Assert.Equal(3, statuses.Count(s => s == LatentWriteStatus.Queued));
        Assert.Equal(3, statuses.Count(s => s == LatentWriteStatus.QueueFull));
        Assert.Equal(3, store.Stats.WritesDroppedQueueFull);
        gate.Open();
        await store.FlushAsync();
        Assert.Equal(3, store.Stats.WritesCompleted);
        Assert.Equal(3, store.Stats.Latents);
    }

    [Fact]
    public async Task Bad_input_gets_clear_errors()
    {
        await using var store = await OpenAsync();
        var entry = TestEntries.Descriptor(steps: 30);
        Assert.Throws<ArgumentOutOfRangeException>(() => store.TryEnqueueWrite(entry, 30, TestEntries.Latent(1), TestEntries.SmallShape));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.TryEnqueueWrite(entry, 0, TestEntries.Latent(1), TestEntries.SmallShape));
        Assert.Throws<ArgumentException>(() => store.TryEnqueueWrite(entry, 5, TestEntries.Latent(1, 60), TestEntries.SmallShape));
        Assert.Contains("MaxLatentElements", Assert.Throws<ArgumentException>(
            () => store.TryEnqueueWrite(entry, 5, new float[2048], [2048])).Message);
        Assert.Throws<ArgumentException>(() => store.TryEnqueueWrite(entry with { ModelId = "" }, 5, TestEntries.Latent(1), TestEntries.SmallShape));
        Assert.Throws<ArgumentException>(() => store.TrySetImageEmbedding(entry.Key, [float.NaN]));
    }

    [Fact]
    public async Task Latents_outside_fp16_range_are_refused_and_counted()
    {
        await using var store = await OpenAsync();
        var entry = TestEntries.Descriptor();
        float[] latent = TestEntries.Latent(1);
        latent[3] = 1e6f;
        Assert.Equal(LatentWriteStatus.Queued, store.TryEnqueueWrite(entry, 5, latent, TestEntries.SmallShape));
        latent[3] = float.NaN;
        store.TryEnqueueWrite(entry, 10, latent, TestEntries.SmallShape);
        await store.FlushAsync();

        Assert.Equal(2, store.Stats.WritesRejected);
        Assert.Empty(store.StoredKs(entry.Key));
        Assert.Equal(0, _device.Count);
    }

    [Fact]
    public async Task A_store_must_be_opened_first_and_refuses_writes_after_disposal()
    {
        var store = new LatentStore(StoreFactory.Options(_directory, 1 << 20), _device, SqliteMetadataBackend.Open(_directory.Combine("meta.db")), null, _time);
        Assert.Throws<InvalidOperationException>(() => store.TryEnqueueWrite(TestEntries.Descriptor(), 5, TestEntries.Latent(1), TestEntries.SmallShape));
        await store.OpenAsync();
        await store.DisposeAsync();
        Assert.Equal(LatentWriteStatus.Closed, store.TryEnqueueWrite(TestEntries.Descriptor(), 5, TestEntries.Latent(1), TestEntries.SmallShape));
        Assert.Equal(LatentReadStatus.Miss, (await store.ReadAsync(TestEntries.Descriptor().Key, 5)).Status);
    }

    [Fact]
    public async Task Disposal_finishes_queued_writes()
    {
        var entry = TestEntries.Descriptor();
        await using (var store = await OpenAsync())
        {
            for (int k = 1; k < 30; k++)
            {
                store.TryEnqueueWrite(entry, k, TestEntries.Latent(k), TestEntries.SmallShape);
            }
        }
        await using var reopened = await OpenAsync();
        Assert.Equal(29, reopened.StoredKs(entry.Key).Count);
    }

    [Fact]
    public void A_shared_device_with_a_local_backend_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new LatentStore(
            StoreFactory.Options(_directory, 1 << 20), new SharedPretendDevice(), SqliteMetadataBackend.Open(_directory.Combine("meta.db"))));
        Assert.Contains("both be shared", error.Message);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Holds every write until opened, so the writer's queue can be filled.</summary>
    private sealed class GatedDevice(MemoryLatentDevice inner) : ILatentDevice
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstWriteStarted => _started.Task;

        public bool IsShared => false;

        public void Open() => _open.TrySetResult();

        public async ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            await _open.Task;
            await inner.WriteAsync(key, blob, cancellationToken);
        }

        public ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken) => inner.ReadAsync(key, cancellationToken);

        public ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<LatentKey> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public ValueTask<int> RemoveLeftoversAsync(CancellationToken cancellationToken) => inner.RemoveLeftoversAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SharedPretendDevice : ILatentDevice
    {
        public bool IsShared => true;

        public ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<LatentKey> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<int> RemoveLeftoversAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

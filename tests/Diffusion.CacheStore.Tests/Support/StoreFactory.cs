using Diffusion.CacheStore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests;

/// <summary>Opens stores over an in-memory device and a SQLite file in a temporary directory.</summary>
internal static class StoreFactory
{
    public static CacheStoreOptions Options(TempDirectory directory, long maxBytes, int queue = 256, string policy = "lcbfu", TimeSpan? grace = null) => new()
    {
        DataDirectory = directory.Path,
        MaxBytes = new ByteSize(maxBytes),
        MaxLatentElements = 64,
        WriteQueueCapacity = queue,
        EvictionPolicy = policy,
        GracePeriod = grace ?? TimeSpan.Zero,
    };

    public static async Task<LatentStore> OpenMemoryAsync(
        TempDirectory directory, MemoryLatentDevice device, CacheStoreOptions options, TimeProvider? time = null,
        ILogger? logger = null, IEvictionPolicy? policy = null)
    {
        var metadata = SqliteMetadataBackend.Open(directory.Combine("meta.db"), logger);
        var store = new LatentStore(options, device, metadata, policy, time ?? new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z")), logger);
        await store.OpenAsync();
        return store;
    }
}

namespace Diffusion.CacheStore;

/// <summary>
/// Where latent files live. The store above decides what to keep; a device only stores whole blobs.
/// Device failures (full disk, lost connection) surface as <see cref="IOException"/>, which the store
/// turns into counters and statuses so callers never see them.
/// </summary>
public interface ILatentDevice : IAsyncDisposable
{
    /// <summary>True when several store instances see the same blobs (a Redis device).</summary>
    bool IsShared { get; }

    /// <summary>Stores a whole blob atomically: readers see either the previous blob or this one, never a part.</summary>
    ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken);

    /// <summary>The blob's bytes, or null when there is none.</summary>
    ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken);

    /// <summary>Removes a blob; false when there was none.</summary>
    ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken);

    /// <summary>Every blob the device holds (recovery scans these).</summary>
    IAsyncEnumerable<LatentKey> ListAsync(CancellationToken cancellationToken);

    /// <summary>Removes what interrupted writes left behind; returns how many leftovers went.</summary>
    ValueTask<int> RemoveLeftoversAsync(CancellationToken cancellationToken);
}

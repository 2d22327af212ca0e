using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore;

/// <summary>What the store's parts (writer, evictor, recovery, change watcher) share.</summary>
internal sealed record StoreContext(
    CacheStoreOptions Options,
    LatentCatalog Catalog,
    ILatentDevice Device,
    ICacheMetadataBackend Metadata,
    IEvictionPolicy Policy,
    TimeProvider Time,
    ILogger Logger,
    StoreCounters Counters,
    StoreEvents Events)
{
    public long MaxBytes => Options.MaxBytes.Bytes;
}

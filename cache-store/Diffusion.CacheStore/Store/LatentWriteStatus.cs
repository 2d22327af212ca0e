namespace Diffusion.CacheStore;

/// <summary>Outcome of asking to queue a latent write.</summary>
public enum LatentWriteStatus
{
    Queued,
    /// <summary>The writer's queue is full; the write was dropped and counted.</summary>
    QueueFull,
    /// <summary>This latent is already stored.</summary>
    AlreadyStored,
    /// <summary>A write of this latent is already waiting.</summary>
    AlreadyQueued,
    /// <summary>The entry id belongs to another tenant; nothing was written.</summary>
    TenantConflict,
    /// <summary>The store is closed.</summary>
    Closed,
}

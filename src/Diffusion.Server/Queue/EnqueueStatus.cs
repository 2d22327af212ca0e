namespace Diffusion.Server.Queue;

/// <summary>Whether work was accepted by the <see cref="GenerationQueue"/>; every other value means "try later" (429).</summary>
public enum EnqueueStatus
{
    Accepted,

    /// <summary>The queue holds <c>MaxQueueLength</c> waiting items.</summary>
    Full,

    /// <summary>The tenant already has its share of the queue waiting (<c>TenantQueueShare</c>).</summary>
    TenantShareFull,

    /// <summary>The estimated wait exceeds <c>MaxQueueWaitSeconds</c>: accepting more would slow down accepted work.</summary>
    WaitTooLong,
}

namespace Diffusion.Engine.Memory;

/// <summary>Answer of an allocation that may not fit right now.</summary>
public enum AllocationStatus
{
    /// <summary>The memory was allocated.</summary>
    Ok,

    /// <summary>Not enough free blocks now; retry once other work has released some.</summary>
    Later,

    /// <summary>Would not fit even in an empty pool; retrying is pointless.</summary>
    Never,
}

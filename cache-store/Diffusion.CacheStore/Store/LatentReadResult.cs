namespace Diffusion.CacheStore;

public enum LatentReadStatus
{
    Hit,
    /// <summary>Not stored (for this tenant).</summary>
    Miss,
    /// <summary>The stored file failed verification; it was discarded and nothing is returned.</summary>
    Corrupt,
    /// <summary>The device could not be reached; treat as a miss.</summary>
    Unavailable,
}

/// <summary>A cached latent (values as float, C order) or why there is none. Only a hit carries data.</summary>
public sealed record LatentReadResult(LatentReadStatus Status, float[]? Values = null, int[]? Shape = null, string? Detail = null)
{
    public bool IsHit => Status == LatentReadStatus.Hit;

    public static LatentReadResult Miss { get; } = new(LatentReadStatus.Miss);
}

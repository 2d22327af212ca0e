namespace Diffusion.Server.Caching;

/// <summary>Where the cache's opening at start-up stands (<see cref="CacheReadiness"/>).</summary>
public enum CacheState
{
    /// <summary>Still opening: /healthz says "starting".</summary>
    Opening,

    /// <summary>Open: requests use it.</summary>
    Ready,

    /// <summary>Could not be opened; the reason is <see cref="CacheReadiness.Problem"/>.</summary>
    Failed,
}

namespace Diffusion.Server.Generation;

/// <summary>How a request uses the approximate latent cache.</summary>
public enum CacheMode
{
    /// <summary>Look up similar prompts and start from a cached latent on a hit; store new latents.</summary>
    Auto,
    /// <summary>Neither read nor write the cache.</summary>
    Off,
    /// <summary>Skip the lookup (full run) but store this run's latents, replacing older ones.</summary>
    Refresh,
}

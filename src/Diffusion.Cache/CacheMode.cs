namespace Diffusion.Cache;

/// <summary>What one request lets the cache do (the API's <c>cache</c> field).</summary>
public enum CacheMode
{
    /// <summary>Look up a similar cached prompt, and store this run's latents.</summary>
    Auto,

    /// <summary>Neither look up nor store.</summary>
    Off,

    /// <summary>No lookup (always a full run), but store this run's latents.</summary>
    Refresh,
}

public static class CacheModes
{
    public static string ToName(this CacheMode mode) => mode switch
    {
        CacheMode.Auto => "auto",
        CacheMode.Off => "off",
        CacheMode.Refresh => "refresh",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown cache mode"),
    };

    public static bool TryParse(string? name, out CacheMode mode)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "auto":
                mode = CacheMode.Auto;
                return true;
            case "off":
                mode = CacheMode.Off;
                return true;
            case "refresh":
                mode = CacheMode.Refresh;
                return true;
            default:
                mode = default;
                return false;
        }
    }

    public static CacheMode Parse(string name) => TryParse(name, out var mode)
        ? mode
        : throw new ArgumentException($"Unknown cache mode '{name}'; use auto, off or refresh.", nameof(name));
}

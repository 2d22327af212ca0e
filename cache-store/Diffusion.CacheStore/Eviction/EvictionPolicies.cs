namespace Diffusion.CacheStore;

/// <summary>Builds an eviction policy from its configured name.</summary>
public static class EvictionPolicies
{
    public static IReadOnlyList<string> Names { get; } = ["lcbfu", "lru", "fifo"];

    public static IEvictionPolicy Create(string name, TimeSpan gracePeriod) => name.ToLowerInvariant() switch
    {
        "lcbfu" => new LcbfuEvictionPolicy(gracePeriod),
        "lru" => new LruEvictionPolicy(),
        "fifo" => new FifoEvictionPolicy(),
        _ => throw new ArgumentException($"Unknown eviction policy '{name}'; choose one of {string.Join(", ", Names)}.", nameof(name)),
    };
}

namespace Diffusion.CacheStore;

/// <summary>Least recently used first (a latent never hit counts as used when it was stored).</summary>
public sealed class LruEvictionPolicy : IEvictionPolicy
{
    public string Name => "lru";

    public IEnumerable<EvictionCandidate> OrderVictims(IReadOnlyList<EvictionCandidate> candidates, DateTimeOffset now) =>
        candidates.OrderBy(c => c.LastTouched).ThenBy(c => c.StoredAt);
}

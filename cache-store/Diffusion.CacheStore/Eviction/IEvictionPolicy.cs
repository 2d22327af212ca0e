namespace Diffusion.CacheStore;

/// <summary>What a policy knows about one stored latent: the unit of eviction is a (prompt, K) latent.</summary>
public readonly record struct EvictionCandidate(LatentKey Key, long Bytes, long Hits, DateTimeOffset StoredAt, DateTimeOffset LastUsed)
{
    public int K => Key.K;

    /// <summary>When the latent was last used, or stored if it never was.</summary>
    public DateTimeOffset LastTouched => LastUsed > StoredAt ? LastUsed : StoredAt;
}

/// <summary>
/// Chooses eviction victims; the store does the removing. Policies are pure functions of the
/// candidates and the current time, so they are easy to test and swap.
/// </summary>
public interface IEvictionPolicy
{
    string Name { get; }

    /// <summary>All candidates, first victim first. The store takes from the front until enough bytes are free.</summary>
    IEnumerable<EvictionCandidate> OrderVictims(IReadOnlyList<EvictionCandidate> candidates, DateTimeOffset now);
}

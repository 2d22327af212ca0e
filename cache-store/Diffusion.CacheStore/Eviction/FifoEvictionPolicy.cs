namespace Diffusion.CacheStore;

/// <summary>Oldest stored first, regardless of use.</summary>
public sealed class FifoEvictionPolicy : IEvictionPolicy
{
    public string Name => "fifo";

    public IEnumerable<EvictionCandidate> OrderVictims(IReadOnlyList<EvictionCandidate> candidates, DateTimeOffset now) =>
        candidates.OrderBy(c => c.StoredAt).ThenBy(c => c.K);
}

namespace Diffusion.CacheStore;

/// <summary>
/// NIRVANA's Least Computationally Beneficial and Frequently Used policy: a latent's value is
/// frequency × K (hits times the steps a hit saves); the lowest goes first. Latents younger than the
/// grace period are protected unless nothing else can go, or new latents (no hits yet) would always
/// be the first victims. Ties go to the smaller K, then the least recently used.
/// </summary>
public sealed class LcbfuEvictionPolicy : IEvictionPolicy
{
    public LcbfuEvictionPolicy(TimeSpan gracePeriod)
    {
        if (gracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), gracePeriod, "The LCBFU grace period cannot be negative.");
        }
        GracePeriod = gracePeriod;
    }

    public string Name => "lcbfu";

    public TimeSpan GracePeriod { get; }

    public static double Score(EvictionCandidate candidate) => (double)candidate.Hits * candidate.K;

    public IEnumerable<EvictionCandidate> OrderVictims(IReadOnlyList<EvictionCandidate> candidates, DateTimeOffset now) =>
        candidates
            .OrderBy(c => now - c.StoredAt < GracePeriod) // false (not protected) sorts first
            .ThenBy(Score)
            .ThenBy(c => c.K)
            .ThenBy(c => c.LastUsed)
            .ThenBy(c => c.StoredAt);
}

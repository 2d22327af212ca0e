namespace Diffusion.CacheStore;

/// <summary>
/// NIRVANA's Least Computationally Beneficial and Frequently Used policy: a latent's value is
/// frequency × K (hits times the steps a hit saves); the lowest goes first. Latents younger than the
/// grace period are protected unless nothing else can go, or new latents (no hits yet) would always
/// be the first victims.
/// <para>
/// The frequency is an estimate of the hits still to come, in two refinements measured on the standard trace
/// (docs/cache-bench.md): a latent's hits count plus the mean hits of the stored latents at its K, so a latent
/// not hit yet is valued at what latents at its K earn on this workload (the similarity→K table makes some K
/// rarer) rather than at zero for every K; and that count halves every <see cref="HalfLife"/> the latent
/// goes unused, so a prompt popular yesterday does not hold its place forever. Equal scores go to the smaller
/// K, then the least recently used.
/// </para>
/// </summary>
public sealed class LcbfuEvictionPolicy : IEvictionPolicy
{
    /// <summary>
    /// The half-life in grace periods. Measured: 8 to 16 beat LRU and FIFO on the standard trace at budgets of
    /// 256 KB to 1 MB (two trace seeds); shorter forgets popular prompts, much longer keeps stale ones.
    /// </summary>
    public const double HalfLifeInGracePeriods = 8;

    public LcbfuEvictionPolicy(TimeSpan gracePeriod)
    {
        if (gracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(gracePeriod), gracePeriod, "The LCBFU grace period cannot be negative.");
        }
        GracePeriod = gracePeriod;
        HalfLife = gracePeriod * HalfLifeInGracePeriods;
    }

    public string Name => "lcbfu";

    public TimeSpan GracePeriod { get; }

    /// <summary>How long an unused latent takes to lose half its frequency (no decay when zero).</summary>
    public TimeSpan HalfLife { get; }

    public IEnumerable<EvictionCandidate> OrderVictims(IReadOnlyList<EvictionCandidate> candidates, DateTimeOffset now)
    {
        var frequency = Frequencies(candidates, now);
        return candidates
            .Select((c, i) => (Candidate: c, Score: frequency[i] * c.K))
            .OrderBy(x => now - x.Candidate.StoredAt < GracePeriod) // false (not protected) sorts first
            .ThenBy(x => x.Score)
            .ThenBy(x => x.Candidate.K) // with nothing learnt yet, a larger K is worth more per hit
            .ThenBy(x => x.Candidate.LastTouched)
            .Select(x => x.Candidate);
    }

    /// <summary>Each candidate's frequency: (hits + mean hits at its K) × 2^(−time unused / half-life).</summary>
    public double[] Frequencies(IReadOnlyList<EvictionCandidate> candidates, DateTimeOffset now)
    {
        var meanHits = candidates.GroupBy(c => c.K).ToDictionary(g => g.Key, g => g.Average(c => (double)c.Hits));
        return [.. candidates.Select(c => (c.Hits + meanHits[c.K]) * Decay(now - c.LastTouched))];
    }

    private double Decay(TimeSpan unused) =>
        HalfLife <= TimeSpan.Zero || unused <= TimeSpan.Zero ? 1 : Math.Pow(2, -(unused / HalfLife));
}

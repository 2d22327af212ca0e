using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Eviction;

public sealed class EvictionPolicyTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2025-01-01T00:00:00Z");
    private readonly FakeTimeProvider _time = new(Start);

    private static EvictionCandidate Candidate(long id, int k, long hits, DateTimeOffset stored, DateTimeOffset? used = null) =>
        new(new LatentKey(new CacheEntryKey(TenantId.Default, new CacheEntryId(id)), k), 100, hits, stored, used ?? stored);

    private static long[] Ids(IEnumerable<EvictionCandidate> order) => [.. order.Select(c => c.Key.Id.Value * 100 + c.K)];

    [Fact]
    public void Lcbfu_evicts_lowest_frequency_times_k_first()
    {
        var policy = new LcbfuEvictionPolicy(TimeSpan.Zero);
        var candidates = new[]
        {
            Candidate(1, 25, hits: 4, Start),  // 100
            Candidate(2, 5, hits: 4, Start),   // 20
            Candidate(3, 10, hits: 1, Start),  // 10
            Candidate(4, 20, hits: 2, Start),  // 40
            Candidate(5, 15, hits: 0, Start),  // 0
        };
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal([515, 310, 205, 420, 125], Ids(policy.OrderVictims(candidates, _time.GetUtcNow())));
    }

    [Fact]
    public void Lcbfu_breaks_ties_by_smaller_k_then_least_recent_use()
    {
        var policy = new LcbfuEvictionPolicy(TimeSpan.Zero);
        var candidates = new[]
        {
            Candidate(1, 10, hits: 0, Start, Start.AddMinutes(5)),
            Candidate(2, 10, hits: 0, Start, Start.AddMinutes(1)),
            Candidate(3, 5, hits: 0, Start, Start.AddMinutes(9)),
        };
        Assert.Equal([305, 210, 110], Ids(policy.OrderVictims(candidates, Start.AddHours(1))));
    }

    [Fact]
    public void Lcbfu_values_a_latent_not_hit_yet_at_what_latents_at_its_k_earn()
    {
        var policy = new LcbfuEvictionPolicy(TimeSpan.Zero);
        var candidates = new[]
        {
            Candidate(1, 5, hits: 6, Start),   // K 5 latents earn 3 hits on average: (6 + 3) × 5 = 45
            Candidate(2, 5, hits: 0, Start),   // (0 + 3) × 5 = 15
            Candidate(3, 25, hits: 0, Start),  // K 25 latents earn nothing here: 0
            Candidate(4, 25, hits: 0, Start),
        };
        // with hits alone, both unhit K 5 and K 25 latents would score 0; the K 5 one is worth keeping
        Assert.Equal([325, 425, 205, 105], Ids(policy.OrderVictims(candidates, Start.AddHours(1))));
    }

    [Fact]
    public void Lcbfu_halves_a_latents_frequency_every_half_life_it_goes_unused()
    {
        var policy = new LcbfuEvictionPolicy(TimeSpan.FromMinutes(10));
        Assert.Equal(TimeSpan.FromMinutes(10 * LcbfuEvictionPolicy.HalfLifeInGracePeriods), policy.HalfLife);
        var now = Start.AddDays(2);
        var stale = Candidate(1, 25, hits: 12, Start, Start.AddHours(1));   // popular once, unused for 47 h
        var fresh = Candidate(2, 25, hits: 2, Start, now.AddMinutes(-5));  // fewer hits, used just now

        var frequency = policy.Frequencies([stale, fresh], now);
        Assert.Equal((12 + 7) * Math.Pow(2, -(now - stale.LastUsed) / policy.HalfLife), frequency[0], 9);
        Assert.Equal((2 + 7) * Math.Pow(2, -TimeSpan.FromMinutes(5) / policy.HalfLife), frequency[1], 9);
        Assert.Equal([125, 225], Ids(policy.OrderVictims([fresh, stale], now)));
    }

    [Fact]
    public void Lcbfu_protects_latents_younger_than_the_grace_period_unless_nothing_else_can_go()
    {
        var policy = new LcbfuEvictionPolicy(TimeSpan.FromMinutes(10));
        var old = Candidate(1, 25, hits: 50, Start);           // score 1250 but old
        _time.Advance(TimeSpan.FromMinutes(30));
        var young = Candidate(2, 5, hits: 0, _time.GetUtcNow()); // score 0 but new
        var youngBetter = Candidate(3, 10, hits: 1, _time.GetUtcNow());

        Assert.Equal([125, 205, 310], Ids(policy.OrderVictims([young, old, youngBetter], _time.GetUtcNow())));

        // Once the grace period has passed, the new latent's low score makes it the first victim.
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal([205, 310, 125], Ids(policy.OrderVictims([young, old, youngBetter], _time.GetUtcNow())));
    }

    [Fact]
    public void Lru_evicts_least_recently_used_first()
    {
        var policy = new LruEvictionPolicy();
        var a = Candidate(1, 5, hits: 9, Start, Start.AddMinutes(1));
        var b = Candidate(2, 25, hits: 1, Start.AddMinutes(2), Start.AddMinutes(30));
        var c = Candidate(3, 10, hits: 0, Start.AddMinutes(3)); // never used: its store time counts
        Assert.Equal([105, 310, 225], Ids(policy.OrderVictims([b, c, a], Start.AddHours(1))));
    }

    [Fact]
    public void Fifo_evicts_oldest_stored_first_regardless_of_use()
    {
        var policy = new FifoEvictionPolicy();
        var a = Candidate(1, 5, hits: 100, Start, Start.AddMinutes(59));
        var b = Candidate(2, 25, hits: 0, Start.AddMinutes(2));
        var c = Candidate(3, 10, hits: 3, Start.AddMinutes(1));
        Assert.Equal([105, 310, 225], Ids(policy.OrderVictims([b, c, a], Start.AddHours(1))));
    }

    [Fact]
    public void Policies_are_built_by_name()
    {
        Assert.IsType<LcbfuEvictionPolicy>(EvictionPolicies.Create("LCBFU", TimeSpan.FromMinutes(1)));
        Assert.IsType<LruEvictionPolicy>(EvictionPolicies.Create("lru", TimeSpan.Zero));
        Assert.IsType<FifoEvictionPolicy>(EvictionPolicies.Create("fifo", TimeSpan.Zero));
        Assert.Contains("lcbfu, lru, fifo", Assert.Throws<ArgumentException>(() => EvictionPolicies.Create("arc", TimeSpan.Zero)).Message);
    }
}

using Diffusion.CacheStore;

namespace Diffusion.Cache.Tests.Lookup;

/// <summary>
/// The shared pool over a real local store: another member's entry serves only once enough other tenants admitted the
/// same prompt; private tenants and non-members never see the pool; a miss never reports another tenant's similarity.
/// </summary>
public sealed class SharedPoolTests : IAsyncLifetime
{
    private static readonly TenantId Victim = new("victim");
    private static readonly TenantId Attacker = new("attacker");
    private static readonly TenantId Carol = new("carol");
    private static readonly TenantId Outsider = new("outsider");
    private static readonly SharedPool Defended = new(new HashSet<TenantId> { Victim, Attacker, Carol }, Corroboration: 2);
    private static readonly SharedPool Open = Defended with { Corroboration = 1 };

    private readonly TempDirectory _directory = new();
    private ApproximateCache _cache = null!;

    public async Task InitializeAsync() =>
        _cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Path), Synthetic.StoreOptions(_directory.Path));

    public async Task DisposeAsync()
    {
        await _cache.DisposeAsync();
        _directory.Dispose();
    }

    private Task<CacheLookup> LookupAsync(TenantId tenant, SharedPool? pool, double similarity = 1.0) =>
        _cache.LookupAsync(Synthetic.AtSimilarity(similarity), Synthetic.Facts(), tenant, CacheMode.Auto, default, pool);

    [Fact]
    public async Task Without_corroboration_one_members_entry_serves_every_member_and_says_so()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), Victim, entry: 1);
        var hit = await LookupAsync(Attacker, Open);
        Assert.True(hit.IsHit, hit.Detail);
        Assert.True(hit.FromSharedPool);
        Assert.Equal(Victim, hit.Source!.Value.Tenant);
    }

    [Fact]
    public async Task One_other_tenants_entry_is_not_enough_two_are()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), Victim, entry: 1);

        // Prompt stealing and poisoning both need one tenant's entry to serve another: refused.
        var probe = await LookupAsync(Attacker, Defended);
        Assert.False(probe.IsHit, probe.Detail);
        // The attacker's own probe adds its own entry: still only one tenant besides the attacker has the prompt.
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), Attacker, entry: 2);
        var again = await LookupAsync(Attacker, Defended, similarity: 0.9);
        Assert.False(again.IsHit && again.FromSharedPool, again.Detail);

        // Carol: victim and attacker both sent it, two tenants besides her, so the pool serves her.
        var carol = await LookupAsync(Carol, Defended);
        Assert.True(carol.IsHit, carol.Detail);
        Assert.True(carol.FromSharedPool);
        Assert.True(_cache.MetricsSnapshot().UncorroboratedSkipped >= 1);
    }

    [Fact]
    public async Task Private_tenants_and_non_members_never_start_from_the_pool()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), Victim, entry: 1);
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), Attacker, entry: 2);
        Assert.False((await LookupAsync(Carol, pool: null)).IsHit);
        Assert.False((await LookupAsync(Outsider, Defended)).IsHit);
    }

    [Fact]
    public async Task A_miss_reports_only_the_requesters_own_nearest_similarity()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), Victim, entry: 1);
        var miss = await LookupAsync(Attacker, Defended);
        Assert.False(miss.IsHit);
        Assert.Null(miss.Similarity);

        await Synthetic.AdmitAsync(_cache, Synthetic.AtSimilarity(0.2, axis: 2), Synthetic.Facts(), Attacker, entry: 2);
        var own = await LookupAsync(Attacker, Defended);
        Assert.False(own.IsHit);
        Assert.InRange(own.Similarity!.Value, 0.1, 0.3);
    }
}

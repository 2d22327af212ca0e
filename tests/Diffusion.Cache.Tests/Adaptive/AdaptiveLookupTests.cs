using Diffusion.Cache.Adaptive;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Tests.Adaptive;

/// <summary>The approximate cache with an adaptive table: lookups over a real local store, outcomes fed back as scores.</summary>
public sealed class AdaptiveLookupTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private async Task<ApproximateCache> OpenAsync(AdaptiveKOptions adaptive)
    {
        var cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Path) with { AdaptiveK = adaptive },
            Synthetic.StoreOptions(_directory.Path));
        await Synthetic.AdmitAsync(cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 1);
        return cache;
    }

    private static AdaptiveKOptions Quiet => new() { ExploreRate = 0, ControlRate = 0, MinSamples = 4, Window = 8, Tolerance = 0.01 };

    private static Task<CacheLookup> LookupAsync(ApproximateCache cache, double similarity) =>
        cache.LookupAsync(Synthetic.AtSimilarity(similarity), Synthetic.Facts("another"), TenantId.Default, CacheMode.Auto, default);

    [Fact]
    public async Task A_hit_names_the_arm_its_score_will_teach_and_poor_scores_lower_the_K_served()
    {
        await using var cache = await OpenAsync(Quiet);
        var hit = await LookupAsync(cache, 0.93);
        Assert.True(hit.IsHit, hit.Detail);
        Assert.Equal(20, hit.K);
        Assert.Equal(new AdaptiveArm(0.93, 20, AdaptiveDraw.Exploit), hit.Adaptive! with { Similarity = Math.Round(hit.Adaptive.Similarity, 4) });

        var fromNoise = hit with { Adaptive = hit.Adaptive with { ReferenceK = 0, Draw = AdaptiveDraw.Control } };
        foreach (var score in new[] { 0.795, 0.805, 0.795, 0.805 })
        {
            cache.RecordOutcome(fromNoise, score);
            cache.RecordOutcome(hit, score - 0.08);
        }

        var after = await LookupAsync(cache, 0.93);
        Assert.True(after.IsHit, after.Detail);
        Assert.Equal(15, after.K);
        Assert.Equal(15, cache.Adaptive!.Learned().KFor(0.93));
    }

    [Fact]
    public async Task Some_would_be_hits_run_from_noise_as_controls()
    {
        await using var cache = await OpenAsync(Quiet with { ControlRate = 0.5, Seed = 3 });
        var lookups = new List<CacheLookup>();
        for (var i = 0; i < 40; i++)
        {
            lookups.Add(await LookupAsync(cache, 0.93));
        }
        var controls = lookups.Where(l => l.Adaptive?.Draw == AdaptiveDraw.Control).ToArray();
        Assert.InRange(controls.Length, 10, 30);
        Assert.All(controls, c =>
        {
            Assert.Equal(CacheLookupStatus.Miss, c.Status);
            Assert.Equal(0, c.Adaptive!.ReferenceK);
            Assert.Contains("control", c.Detail);
        });
        Assert.All(lookups.Except(controls), l => Assert.True(l.IsHit));
        Assert.Equal(controls.Length, cache.MetricsSnapshot().AdaptiveControls);
    }

    [Fact]
    public async Task A_repeat_of_a_cached_prompt_is_not_the_tables_decision_and_teaches_it_nothing()
    {
        await using var cache = await OpenAsync(Quiet with { ControlRate = 0.5 });
        for (var i = 0; i < 10; i++)
        {
            var repeat = await cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
            Assert.True(repeat.IsHit);
            Assert.Equal(25, repeat.K);
            Assert.Null(repeat.Adaptive);
        }
    }

    [Fact]
    public async Task A_miss_carries_nothing_for_the_table()
    {
        await using var cache = await OpenAsync(Quiet);
        var miss = await LookupAsync(cache, 0.5);
        Assert.Equal(CacheLookupStatus.Miss, miss.Status);
        Assert.Null(miss.Adaptive);
    }

    [Fact]
    public void With_adaptation_every_cache_point_is_stored_since_any_bucket_may_move_to_it()
    {
        var options = new ApproximateCacheOptions
        {
            KTables = Diffusion.Cache.Policy.KTableSet.Uncalibrated with
            {
                PromptToPrompt = new Diffusion.Cache.Policy.SimilarityKTable([new(0.95, 25), new(0.9, 10)]),
            },
            IndexDirectory = null,
        };
        Assert.Equal([10, 25], options.StoredPoints.ReferenceKs);
        Assert.Equal([5, 10, 15, 20, 25], (options with { AdaptiveK = new AdaptiveKOptions() }).StoredPoints.ReferenceKs);
    }

    public void Dispose() => _directory.Dispose();
}

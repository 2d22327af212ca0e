using Diffusion.CacheStore;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache.Tests.Lookup;

/// <summary>Lookups over a real local store (files + SQLite) with synthetic embeddings and latents, NIRVANA's table.</summary>
public sealed class LookupTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private ApproximateCache _cache = null!;

    public async Task InitializeAsync() =>
        _cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Path), Synthetic.StoreOptions(_directory.Path));

    public async Task DisposeAsync()
    {
        await _cache.DisposeAsync();
        _directory.Dispose();
    }

    [Theory]
    [InlineData(0.99, 25)]
    [InlineData(0.93, 20)]
    [InlineData(0.87, 15)]
    [InlineData(0.80, 10)]
    [InlineData(0.70, 5)]
    public async Task A_similar_prompt_starts_from_the_latent_entering_the_tables_K(double similarity, int k)
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 3);
        var lookup = await _cache.LookupAsync(Synthetic.AtSimilarity(similarity), Synthetic.Facts("another"), TenantId.Default, CacheMode.Auto, default);
        Assert.True(lookup.IsHit, lookup.Detail);
        Assert.Equal(k, lookup.K);
        Assert.Equal(similarity, lookup.Similarity!.Value, 4);
        Assert.Equal((3, k), Synthetic.Decode(lookup.StartLatent!));
        Assert.Equal(Synthetic.LatentLength, lookup.StartLatent!.Length);
    }

    [Fact]
    public async Task In_prompt_to_image_mode_a_repeat_is_found_by_its_text_before_its_image_is_embedded()
    {
        await using var cache = await ApproximateCache.OpenLocalAsync(
            Synthetic.CacheOptions(Path.Combine(_directory.Path, "p2i")) with { Mode = RetrievalMode.PromptToImage },
            Synthetic.StoreOptions(Path.Combine(_directory.Path, "p2i")));
        await Synthetic.AdmitAsync(cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 4);   // no image embedding yet

        var repeat = await cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.True(repeat.IsHit, repeat.Detail);
        Assert.Equal(25, repeat.K);   // the repeat rule: the deepest cache point
        Assert.Equal((4, 25), Synthetic.Decode(repeat.StartLatent!));

        // A merely similar prompt has nothing to match by image yet.
        var similar = await cache.LookupAsync(Synthetic.AtSimilarity(0.95), Synthetic.Facts("another"), TenantId.Default, CacheMode.Auto, default);
        Assert.False(similar.IsHit);
    }

    [Fact]
    public async Task A_prompt_below_every_threshold_is_a_miss_that_reports_the_best_similarity()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 1);
        var lookup = await _cache.LookupAsync(Synthetic.AtSimilarity(0.5), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(CacheLookupStatus.Miss, lookup.Status);
        Assert.Equal(0.5, lookup.Similarity!.Value, 4);
        Assert.Null(lookup.StartLatent);
    }

    [Fact]
    public async Task K_scales_with_the_step_count_and_only_entries_of_the_same_step_count_are_used()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(steps: 25), TenantId.Default, entry: 1);
        var at50 = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(steps: 50), TenantId.Default, CacheMode.Auto, default);
        Assert.False(at50.IsHit);
        var at25 = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(steps: 25), TenantId.Default, CacheMode.Auto, default);
        Assert.True(at25.IsHit);
        Assert.Equal(13, at25.K); // 25·25/50 = 12.5 → 13
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim, SchedulerKind.DpmSolverPlusPlus2M, true)]
    [InlineData(SchedulerKind.DpmSolverPlusPlus2M, SchedulerKind.Ddim, true)]
    [InlineData(SchedulerKind.Ddim, SchedulerKind.Euler, false)]
    [InlineData(SchedulerKind.Euler, SchedulerKind.Euler, true)]
    public async Task Latents_are_shared_only_within_a_scheduler_family(SchedulerKind stored, SchedulerKind asked, bool hit)
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(scheduler: stored), TenantId.Default, entry: 1);
        var lookup = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(scheduler: asked), TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(hit, lookup.IsHit);
    }

    [Fact]
    public async Task Another_model_or_image_size_never_lends_its_latent()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(model: "other@111111111111"), TenantId.Default, entry: 1);
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(side: 64), TenantId.Default, entry: 2);
        var lookup = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.False(lookup.IsHit);
        Assert.Equal("nothing similar and compatible enough", lookup.Detail);
    }

    [Fact]
    public async Task The_best_usable_K_wins_over_a_slightly_higher_similarity_with_fewer_stored_steps()
    {
        // entry 1 is the most similar but holds only K ≤ 10 (a hit run that started at 10 stores 15..25, so
        // emulate one that stored just 5 and 10); entry 2 is a bit less similar and holds everything
        var facts = Synthetic.Facts();
        var partial = _cache.BeginAdmission(Synthetic.AtSimilarity(0.99, axis: 2), facts, TenantId.Default, CacheMode.Auto, null)!;
        foreach (var step in new[] { 5, 10 })
        {
            partial.OnLatentCaptured(new Inference.Pipeline.LatentCapture(step, 50, 0, Synthetic.Latent(1, step)));
        }
        await _cache.FlushAsync();
        await Synthetic.AdmitAsync(_cache, Synthetic.AtSimilarity(0.97, axis: 3), facts, TenantId.Default, entry: 2);

        var lookup = await _cache.LookupAsync(Synthetic.Base, facts, TenantId.Default, CacheMode.Auto, default);
        Assert.True(lookup.IsHit);
        Assert.Equal((2, 25), Synthetic.Decode(lookup.StartLatent!));
    }

    [Fact]
    public async Task Tenants_never_see_each_others_entries()
    {
        var alice = new TenantId("alice");
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), alice, entry: 1);
        Assert.False((await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), new TenantId("bob"), CacheMode.Auto, default)).IsHit);
        var own = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), alice, CacheMode.Auto, default);
        Assert.True(own.IsHit);
        Assert.Equal(alice, own.Source!.Value.Tenant);
    }

    [Fact]
    public async Task Off_neither_looks_up_nor_stores_and_refresh_stores_without_looking_up()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 1);
        var off = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Off, default);
        var refresh = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Refresh, default);
        Assert.Equal(CacheLookupStatus.Skipped, off.Status);
        Assert.Equal(CacheLookupStatus.Skipped, refresh.Status);
        Assert.Null(_cache.BeginAdmission(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Off, off));
        var admission = _cache.BeginAdmission(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Refresh, refresh);
        Assert.NotNull(admission);
        Assert.Equal([5, 10, 15, 20, 25], admission.CaptureSteps.Order());
    }

    [Fact]
    public async Task A_hit_run_stores_only_the_cache_steps_after_its_start_and_a_repeat_is_not_stored_again()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 1);
        var near = await _cache.LookupAsync(Synthetic.AtSimilarity(0.93), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(20, near.K);
        var admission = _cache.BeginAdmission(Synthetic.AtSimilarity(0.93), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, near);
        Assert.Equal([25], admission!.CaptureSteps);

        var repeat = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(1.0, repeat.PromptSimilarity!.Value, 4);
        Assert.Null(_cache.BeginAdmission(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Auto, repeat));
        Assert.Equal(1, _cache.MetricsSnapshot().AdmissionsSkippedAsDuplicate);
    }

    [Fact]
    public async Task Under_prompt_to_image_a_hit_run_is_stored_and_its_source_is_priced_by_the_source_image()
    {
        // no prompt→prompt thresholds (the shipped table's case): the source can only be priced by its image
        var tables = Diffusion.Cache.Policy.KTableSet.Uncalibrated with { PromptToPrompt = new Diffusion.Cache.Policy.SimilarityKTable([]) };
        await using var cache = await ApproximateCache.OpenLocalAsync(
            Synthetic.CacheOptions(_directory.Combine("by-image")) with { KTables = tables, Mode = RetrievalMode.PromptToImage },
            Synthetic.StoreOptions(_directory.Combine("by-image")));
        var facts = Synthetic.Facts();
        await Synthetic.AdmitAsync(cache, Synthetic.Base, facts, TenantId.Default, entry: 1, imageEmbedding: Synthetic.Base);

        // B, 0.87 from A's image: a K 15 hit whose run is stored (at 20 and 25) with A and A's image in its lineage
        var b = Synthetic.AtSimilarity(0.87);
        var fromA = await cache.LookupAsync(b, facts, TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(15, fromA.K);
        var admission = cache.BeginAdmission(b, facts, TenantId.Default, CacheMode.Auto, fromA)!;
        Assert.NotNull(admission);
        foreach (var step in admission.CaptureSteps)
        {
            admission.OnLatentCaptured(new Inference.Pipeline.LatentCapture(step, 50, 0, Synthetic.Latent(2, step)));
        }
        Assert.True(admission.SetImageEmbedding(b));
        await cache.FlushAsync();
        var ancestor = Assert.Single(cache.Store.Find(admission.Key)!.Entry.Lineage);
        Assert.Equal(15, ancestor.UntilStep);
        Assert.Equal(Synthetic.Base, ancestor.ImageEmbedding);
        Assert.Equal(0, cache.MetricsSnapshot().AdmissionsSkippedAsUnlendable);

        // D between them, nearer B: 0.979 from B's image and 0.953 from A's, so A's 15 steps are allowed and B's K 25 serves
        var angle = Math.Acos(0.87);
        var d = Synthetic.AtSimilarity(Math.Cos(0.6 * angle));
        Assert.Equal((2, 25), Synthetic.Decode((await cache.LookupAsync(d, facts, TenantId.Default, CacheMode.Auto, default)).StartLatent!));

        // C on B's far side: 0.93 from B's image, but 0.63 from A's, too far for the 15 steps A's run made
        var c = Synthetic.AtSimilarity(Math.Cos(angle + Math.Acos(0.93)));
        Assert.False((await cache.LookupAsync(c, facts, TenantId.Default, CacheMode.Auto, default)).IsHit);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_hit_runs_latents_serve_only_requests_that_are_also_close_to_its_source(bool checkLineage)
    {
        await using var cache = await ApproximateCache.OpenLocalAsync(
            Synthetic.CacheOptions(_directory.Combine("lineage")) with { CheckLineage = checkLineage }, Synthetic.StoreOptions(_directory.Combine("lineage")));
        var facts = Synthetic.Facts();
        var a = Synthetic.Base;
        await Synthetic.AdmitAsync(cache, a, facts, TenantId.Default, entry: 1);
        // B is 0.87 from A: a K 15 hit, whose run stores its latents at 20 and 25
        var b = Synthetic.AtSimilarity(0.87);
        var fromA = await cache.LookupAsync(b, facts, TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(15, fromA.K);
        var admission = cache.BeginAdmission(b, facts, TenantId.Default, CacheMode.Auto, fromA)!;
        Assert.Equal([20, 25], admission.CaptureSteps.Order());
        foreach (var step in admission.CaptureSteps)
        {
            admission.OnLatentCaptured(new Inference.Pipeline.LatentCapture(step, 50, 0, Synthetic.Latent(2, step)));
        }
        await cache.FlushAsync();
        var stored = cache.Store.Find(admission.Key)!.Entry.Lineage;
        Assert.Equal(15, Assert.Single(stored).UntilStep);
        Assert.Equal(a, stored[0].TextEmbedding);

        // C on B's far side: 0.93 from B (K 20 by B alone) but 0.63 from A, whose run made B's first 15 steps
        var c = Synthetic.AtSimilarity(Math.Cos(Math.Acos(0.87) + Math.Acos(0.93)));
        var far = await cache.LookupAsync(c, facts, TenantId.Default, CacheMode.Auto, default);
        if (checkLineage)
        {
            Assert.False(far.IsHit, "B's latents are A's up to step 15, and C is too far from A for that");
        }
        else
        {
            Assert.Equal((2, 20), Synthetic.Decode(far.StartLatent!));
        }

        // B's own prompt again: 0.87 from A allows A's 15 steps, so B's K 25 serves, and passes both ancestors on
        var again = await cache.LookupAsync(b, facts, TenantId.Default, CacheMode.Auto, default);
        Assert.Equal((2, 25), Synthetic.Decode(again.StartLatent!));
        Assert.Equal([25, 15], again.SourceLineage.Select(x => x.UntilStep));
    }

    [Fact]
    public async Task Several_images_per_request_skip_the_lookup()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 1);
        var lookup = await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts() with { ImageCount = 2 }, TenantId.Default, CacheMode.Auto, default);
        Assert.Equal(CacheLookupStatus.Skipped, lookup.Status);
    }

    [Fact]
    public async Task Metrics_count_lookups_hits_by_K_steps_saved_and_bytes()
    {
        await Synthetic.AdmitAsync(_cache, Synthetic.Base, Synthetic.Facts(), TenantId.Default, entry: 1);
        await _cache.LookupAsync(Synthetic.AtSimilarity(0.99), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        await _cache.LookupAsync(Synthetic.AtSimilarity(0.80), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        await _cache.LookupAsync(Synthetic.AtSimilarity(0.10), Synthetic.Facts(), TenantId.Default, CacheMode.Auto, default);
        await _cache.LookupAsync(Synthetic.Base, Synthetic.Facts(), TenantId.Default, CacheMode.Off, default);

        var m = _cache.MetricsSnapshot();
        Assert.Equal(3, m.Lookups);
        Assert.Equal(2, m.Hits);
        Assert.Equal(1, m.Misses);
        Assert.Equal(1, m.Skipped);
        Assert.Equal(1, m.HitsByK[25]);
        Assert.Equal(1, m.HitsByK[10]);
        Assert.Equal(200, m.StepsRequested);
        Assert.Equal(35, m.StepsSaved);
        Assert.Equal(5, m.LatentsQueued);
        Assert.Equal(m.LatentBytesQueued, m.BytesStored);
        Assert.Equal(3, m.LookupLatency.Count);
        Assert.Equal(2, _cache.Store.Find(_cache.Store.Entries()[0].Key)!.Latents.Sum(l => l.Hits));
    }

    [Fact]
    public async Task An_entry_evicted_from_the_store_leaves_the_index()
    {
        await using var small = await ApproximateCache.OpenLocalAsync(
            Synthetic.CacheOptions(_directory.Combine("small")),
            Synthetic.StoreOptions(_directory.Combine("small"), maxBytes: 4 * LatentFileBytes));
        var keys = new List<CacheEntryKey>();
        for (var i = 0; i < 6; i++)
        {
            keys.Add((await Synthetic.AdmitAsync(small, Synthetic.AtSimilarity(0.5, axis: 1 + i), Synthetic.Facts(), TenantId.Default, i)).Key);
        }
        var stored = small.Store.Entries().Select(e => e.Key.Id.Value).ToHashSet();
        Assert.True(stored.Count < 6, "the budget should have forced evictions");
        Assert.True(small.Store.Stats.Evictions > 0);
        Assert.Equal(stored, small.Index.Ids(RetrievalMode.PromptToPrompt, TenantId.Default).ToHashSet());
    }

    private static long LatentFileBytes => LatentFileFormat.FileLength(Synthetic.LatentLength, 3, TenantId.Default);
}

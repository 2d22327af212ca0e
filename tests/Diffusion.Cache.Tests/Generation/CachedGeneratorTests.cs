using Diffusion.Cache.Generation;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Tests.Generation;

/// <summary>
/// End to end on the repository's tiny SD-1.5-shaped model (random weights, pooled text embedding, no image
/// encoder): what the cache stores is the run's own latents, and a hit is exactly a pipeline run resumed
/// from the stored latent.
/// </summary>
public sealed class CachedGeneratorTests(FixtureModel fixture) : IClassFixture<FixtureModel>, IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private ApproximateCache _cache = null!;
    private CachedGenerator _generator = null!;

    public async Task InitializeAsync()
    {
        var storeOptions = Synthetic.StoreOptions(_directory.Path) with { MaxLatentElements = fixture.Pipeline.LatentLength };
        _cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Path), storeOptions);
        _generator = new CachedGenerator(fixture.Pipeline, _cache);
    }

    public async Task DisposeAsync()
    {
        await _generator.DisposeAsync();
        await _cache.DisposeAsync();
        _directory.Dispose();
    }

    private static GenerationRequest Request(string prompt, ulong seed) =>
        new() { Prompt = prompt, Seed = seed, Steps = 10, GuidanceScale = 3f };

    [Fact]
    public async Task A_miss_runs_in_full_and_stores_the_latents_entering_each_cache_step()
    {
        var seen = new Dictionary<int, float[]>();
        var hooks = new GenerationHooks { LatentCaptured = c => seen[c.Step] = c.Latents };
        var request = Request("a red apple on a table", 11) with { CaptureSteps = new HashSet<int> { 0, 1, 2, 3, 4, 5 } };

        var result = await _generator.GenerateAsync(request, TenantId.Default, CacheMode.Auto, hooks);
        await _generator.FlushAsync();

        Assert.Equal(CacheLookupStatus.Miss, result.Lookup.Status);
        Assert.Equal(10, result.Generation.Denoise.StepsRun);
        Assert.Equal([0, 1, 2, 3, 4, 5], seen.Keys.Order()); // the caller still gets what it asked for
        var entry = Assert.Single(_cache.Store.Entries());
        Assert.Equal(result.StoredAs, entry.Key);
        Assert.Equal([1, 2, 3, 4, 5], entry.Latents.Select(l => l.K));   // 5..25 of 50, scaled to 10 steps
        Assert.Equal(_generator.ModelId, entry.Entry.ModelId);
        Assert.Equal("a red apple on a table", entry.Entry.Prompt);
        foreach (var k in entry.Latents.Select(l => l.K))
        {
            var stored = await _cache.Store.ReadAsync(entry.Key, k);
            Assert.True(stored.IsHit);
            for (var i = 0; i < stored.Values!.Length; i++)
            {
                // fp16 keeps 11 significant bits
                Assert.True(Math.Abs(stored.Values[i] - seen[k][i]) <= Math.Abs(seen[k][i]) / 1024 + 1e-6f, $"k{k}[{i}]");
            }
        }
    }

    [Fact]
    public async Task The_prompt_is_encoded_once_for_the_lookup_and_the_run()
    {
        var textEncoder = fixture.Pipeline.Models.TextEncoder.Session;
        await _generator.GenerateAsync(Request("a green frog on a leaf", 3), TenantId.Default, CacheMode.Auto); // remembers the negative prompt
        var before = textEncoder.RunCount;

        var result = await _generator.GenerateAsync(Request("a yellow frog on a rock", 4), TenantId.Default, CacheMode.Auto);

        Assert.Equal(1, textEncoder.RunCount - before);
        var alone = fixture.Pipeline.Generate(Request("a yellow frog on a rock", 4) with
        {
            StartStep = result.Lookup.IsHit ? result.Lookup.K : 0,
            StartLatent = result.Lookup.IsHit ? result.Lookup.StartLatent : null,
            ResumeNoiseStrength = result.Variation.Strength,
        });
        Assert.Equal(alone.FinalLatents, result.Generation.FinalLatents);   // the reused encodings give the same image
    }

    [Fact]
    public async Task A_repeated_prompt_with_another_seed_is_a_hit_that_equals_the_pipeline_resumed_with_that_seed_s_noise()
    {
        await _generator.GenerateAsync(Request("a blue bird in the sky", 1), TenantId.Default, CacheMode.Auto);
        await _generator.FlushAsync();

        var second = await _generator.GenerateAsync(Request("a blue bird in the sky", 2), TenantId.Default, CacheMode.Auto);
        Assert.True(second.Lookup.IsHit, second.Lookup.Detail);
        Assert.Equal(5, second.Lookup.K);                      // similarity 1 → K 25 of 50 → 5 of 10
        Assert.Equal(5, second.Generation.Denoise.StepsRun);
        Assert.True(second.Cache.Hit);
        Assert.Equal(second.Lookup.Source!.Value.Id.ToString(), second.Cache.SourceId);
        Assert.Null(second.StoredAs);                          // a repeat is not stored twice

        var stored = await _cache.Store.ReadAsync(second.Lookup.Source!.Value, 5);
        Assert.Equal(new Diffusion.Cache.Policy.HitVariationDecision(1f, false, 2), second.Variation);
        Assert.Equal(1, second.Lookup.SourceSeed);
        var resumed = fixture.Pipeline.Generate(Request("a blue bird in the sky", 2) with
        {
            StartStep = 5, StartLatent = stored.Values, ResumeNoiseStrength = 1f,
        });
        Assert.Equal(resumed.FinalLatents, second.Generation.FinalLatents);
    }

    [Fact]
    public async Task Seeds_on_a_hit_give_different_pictures_and_the_source_s_own_seed_is_an_exact_repeat()
    {
        var source = await _generator.GenerateAsync(Request("a red kite over a field", 5), TenantId.Default, CacheMode.Auto);
        await _generator.FlushAsync();

        var seed6 = await _generator.GenerateAsync(Request("a red kite over a field", 6), TenantId.Default, CacheMode.Auto);
        var seed7 = await _generator.GenerateAsync(Request("a red kite over a field", 7), TenantId.Default, CacheMode.Auto);
        var repeat = await _generator.GenerateAsync(Request("a red kite over a field", 5), TenantId.Default, CacheMode.Auto);

        Assert.All(new[] { seed6, seed7, repeat }, r => Assert.Equal(5, r.Lookup.K));
        Assert.NotEqual(seed6.Generation.FinalLatents, seed7.Generation.FinalLatents);
        Assert.NotEqual(source.Generation.FinalLatents, seed6.Generation.FinalLatents);
        Assert.False(seed6.Variation.ExactRepeat);
        Assert.True(repeat.Variation.ExactRepeat);
        Assert.Equal(0f, repeat.Variation.Strength);
        // The repeat continues the source's own path from its stored (fp16) latent: the same picture to rounding.
        var drift = source.Generation.FinalLatents.Zip(repeat.Generation.FinalLatents, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(drift < 0.02f, $"the exact repeat drifted {drift} from the source");
    }

    [Fact]
    public async Task Off_stores_nothing_and_refresh_runs_in_full_but_stores()
    {
        var off = await _generator.GenerateAsync(Request("a green tree", 3), TenantId.Default, CacheMode.Off);
        await _generator.FlushAsync();
        Assert.Null(off.StoredAs);
        Assert.Empty(_cache.Store.Entries());

        await _generator.GenerateAsync(Request("a green tree", 3), TenantId.Default, CacheMode.Auto);
        var refresh = await _generator.GenerateAsync(Request("a green tree", 3), TenantId.Default, CacheMode.Refresh);
        await _generator.FlushAsync();
        Assert.Equal(CacheLookupStatus.Skipped, refresh.Lookup.Status);
        Assert.Equal(10, refresh.Generation.Denoise.StepsRun);
        Assert.Equal(2, _cache.Store.Entries().Count);
    }

    [Fact]
    public async Task A_request_that_sets_its_own_start_step_is_refused()
    {
        var request = Request("x", 1) with { StartStep = 2, StartLatent = new float[fixture.Pipeline.LatentLength] };
        await Assert.ThrowsAsync<ArgumentException>(() => _generator.GenerateAsync(request, TenantId.Default, CacheMode.Auto));
    }

    [Fact]
    public async Task Prompt_to_image_retrieval_without_an_image_encoder_fails_at_construction()
    {
        var options = Synthetic.CacheOptions(_directory.Combine("p2i")) with { Mode = RetrievalMode.PromptToImage };
        await using var imageCache = ApproximateCache.Open(_cache.Store, options);
        var e = Assert.Throws<InvalidOperationException>(() => new CachedGenerator(fixture.Pipeline, imageCache));
        Assert.Contains("image_encoder", e.Message);
    }
}

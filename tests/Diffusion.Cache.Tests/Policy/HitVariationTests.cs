using Diffusion.Cache.Policy;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Tests.Policy;

/// <summary>When a hit's remaining steps take the request's own seed, and what the response is told.</summary>
public sealed class HitVariationTests
{
    private static CacheRequestFacts Facts(string prompt, ulong seed) => new()
    {
        Prompt = prompt, ModelId = "m", Size = new ImageSize(64, 64), LatentShape = [4, 8, 8],
        Scheduler = Inference.Scheduling.SchedulerKind.Ddim, Steps = 50, Seed = seed,
    };

    private static CacheLookup Hit(string prompt, long seed) =>
        new(CacheLookupStatus.Hit, RetrievalMode.PromptToPrompt, 25, 0.99, 0.99, null, new float[256], TimeSpan.Zero, TimeSpan.Zero, "hit")
        {
            SourceSeed = seed,
            SourcePrompt = prompt,
        };

    [Fact]
    public void Another_seed_takes_its_own_noise_at_the_configured_strength()
    {
        var decision = HitVariation.Decide(Facts("a cat", 11), Hit("a cat", 7), 1f);
        Assert.Equal(new HitVariationDecision(1f, false, 11), decision);
    }

    [Fact]
    public void The_same_prompt_and_seed_is_an_exact_repeat_on_the_source_s_path()
    {
        Assert.Equal(new HitVariationDecision(0f, true, 7), HitVariation.Decide(Facts("a cat", 7), Hit("a cat", 7), 1f));
        // The same seed with another prompt follows the source's path too (its noise is the request's), but is no repeat.
        Assert.Equal(new HitVariationDecision(0f, false, 7), HitVariation.Decide(Facts("a small cat", 7), Hit("a cat", 7), 1f));
    }

    [Fact]
    public void With_variation_turned_off_the_image_is_reported_with_the_source_s_seed()
    {
        Assert.Equal(new HitVariationDecision(0f, false, 7), HitVariation.Decide(Facts("a cat", 11), Hit("a cat", 7), 0f));
    }

    [Fact]
    public void A_miss_keeps_the_request_s_seed()
    {
        var miss = CacheLookup.Skipped(RetrievalMode.PromptToPrompt, "off");
        Assert.Equal(new HitVariationDecision(0f, false, 11), HitVariation.Decide(Facts("a cat", 11), miss, 1f));
    }
}

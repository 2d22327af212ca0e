namespace Diffusion.Cache.Policy;

/// <summary>How a hit's remaining steps treat the request's seed.</summary>
/// <param name="Strength">Resume noise strength for the run (GenerationRequest.ResumeNoiseStrength); 0 continues the source's path.</param>
/// <param name="ExactRepeat">The request repeats the source's prompt and seed: the image is the source's own.</param>
/// <param name="EffectiveSeed">The seed whose noise shaped the image: the request's, or the source's when its path was followed for another seed.</param>
public sealed record HitVariationDecision(float Strength, bool ExactRepeat, ulong EffectiveSeed);

/// <summary>
/// A cached latent carries its source run's noise, so continuing it deterministically gives every seed the
/// source's picture. For a request with another seed the hit's first step mixes in the request's own seeded
/// noise (<see cref="ApproximateCacheOptions.VariationStrength"/>), so seeds give variations that keep what the
/// source had settled by step K. The same seed needs nothing: the source's noise is the request's.
/// </summary>
public static class HitVariation
{
    /// <summary>The strength measured best (docs/variation.md).</summary>
    public const float DefaultStrength = 1f;

    public static HitVariationDecision Decide(CacheRequestFacts facts, CacheLookup lookup, float strength)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(lookup);
        if (!lookup.IsHit || lookup.SourceSeed is not { } sourceSeed)
        {
            return new HitVariationDecision(0f, false, facts.Seed);
        }
        var source = unchecked((ulong)sourceSeed);
        if (source == facts.Seed)
        {
            return new HitVariationDecision(0f, string.Equals(lookup.SourcePrompt, facts.Prompt, StringComparison.Ordinal), facts.Seed);
        }
        return strength > 0f
            ? new HitVariationDecision(strength, false, facts.Seed)
            : new HitVariationDecision(0f, false, source);
    }
}

using Diffusion.Cli.Attacks;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>When a probe looks like another tenant cached the very same prompt.</summary>
public sealed class HitRuleTests
{
    private static readonly HitRule Rule = new(RepeatK: 10, LatencyThresholdSeconds: 0.7);

    private static Probe Probe(bool hit, int k = 0, bool shared = false, double seconds = 1.0) =>
        new("thief", "a cat", "auto", "img_1", hit, k, shared, null, null, null, seconds);

    [Fact]
    public void A_shared_hit_at_the_repeat_depth_looks_cached()
    {
        Assert.True(Rule.LooksCachedByOthers(Probe(hit: true, k: 10, shared: true)));
    }

    [Fact]
    public void A_shared_hit_on_a_near_prompt_does_not()
    {
        Assert.False(Rule.LooksCachedByOthers(Probe(hit: true, k: 6, shared: true, seconds: 0.2)));
    }

    [Fact]
    public void A_hit_on_its_own_entry_says_nothing_about_others_however_fast()
    {
        Assert.False(Rule.LooksCachedByOthers(Probe(hit: true, k: 10, shared: false, seconds: 0.1)));
    }

    [Fact]
    public void Without_a_hit_in_the_response_latency_decides()
    {
        Assert.True(Rule.LooksCachedByOthers(Probe(hit: false, seconds: 0.5)));
        Assert.False(Rule.LooksCachedByOthers(Probe(hit: false, seconds: 0.9)));
        // an attacker whose calibration found no latency signal (threshold 0) never decides by latency
        Assert.False((Rule with { LatencyThresholdSeconds = 0 }).LooksCachedByOthers(Probe(hit: false, seconds: 0.01)));
    }
}

using Diffusion.Cli.Attacks;
using Diffusion.Server.Identity;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>What the bench reads from the service: responses as either pool shows them, and the tenants' keys.</summary>
public sealed class TenantClientTests
{
    [Fact]
    public void An_undefended_shared_hit_shows_its_source()
    {
        const string body = """
            {"created":1,"data":[{"id":"img_1","url":"http://x/v1/images/img_1","revised_prompt":null,"seed":5,
             "cache":{"hit":true,"k":10,"similarity":0.86,"source_id":"abc","stored_as":null,"source_image_id":null,
                      "source_seed":3,"exact_repeat":false,"variation":1,"shared":true}}],"timings":{"total":0.4}}
            """;
        var probe = TenantClient.Read(body, "thief", "a cat", "auto", 0.4);
        Assert.Equal(new Probe("thief", "a cat", "auto", "img_1", true, 10, true, 0.86, "abc", null, 0.4, ServerSeconds: 0.4), probe);
    }

    [Fact]
    public void A_defended_shared_hit_shows_only_hit_k_and_shared()
    {
        const string body = """
            {"created":1,"data":[{"id":"img_2","url":"u","seed":5,
             "cache":{"hit":true,"k":10,"similarity":null,"source_id":null,"stored_as":null,"source_image_id":null,
                      "source_seed":null,"exact_repeat":false,"variation":null,"shared":true}}],"timings":{}}
            """;
        var probe = TenantClient.Read(body, "thief", "a cat", "auto", 1.0);
        Assert.True(probe is { Hit: true, K: 10, Shared: true, SourceId: null, Similarity: null });
    }

    [Fact]
    public void A_miss_names_the_entry_it_was_stored_as_and_is_not_shared()
    {
        const string body = """
            {"created":1,"data":[{"id":"img_3","url":"u","seed":5,
             "cache":{"hit":false,"k":0,"similarity":0.41,"source_id":null,"stored_as":"e1","source_image_id":null,
                      "source_seed":null,"exact_repeat":false,"variation":null}}],"timings":{}}
            """;
        var probe = TenantClient.Read(body, "victim", "a dog", "refresh", 1.0);
        Assert.True(probe is { Hit: false, K: 0, Shared: false, StoredAs: "e1" });
    }

    [Fact]
    public void Every_tenant_gets_its_own_key_with_cache_scope_shared()
    {
        var tenants = new AttackTenants(benignTenants: 4);
        var entries = ApiKeyText.Parse(tenants.ToApiKeys());
        Assert.Equal(12, entries.Count);
        Assert.All(entries, e => Assert.Equal(CacheScope.Shared, e.Scope));
        Assert.All(entries, e => Assert.Equal(ApiRole.User, e.Role));
        Assert.Equal(entries.Count, entries.Select(e => e.Sha256).Distinct().Count());
        Assert.Equal(4, tenants.Benign.Count);
    }
}

/// <summary>The response's own clock, against which padding shows.</summary>
public sealed class ServerTimingTests
{
    [Fact]
    public void Timings_total_is_read_and_absent_timings_are_null()
    {
        const string with = """{"data":[{"id":"i","cache":{"hit":true,"k":10,"shared":true}}],"timings":{"total":0.42}}""";
        const string without = """{"data":[{"id":"i","cache":{"hit":false,"k":0}}]}""";
        Assert.Equal(0.42, TenantClient.Read(with, "t", "p", "auto", 1.0).ServerSeconds);
        Assert.Null(TenantClient.Read(without, "t", "p", "auto", 1.0).ServerSeconds);
    }

    [Fact]
    public void Latency_figures_split_the_gap_between_shared_hits_and_the_rest()
    {
        Probe P(bool shared, double client, double server) => new("t", "p", "auto", "i", shared, shared ? 10 : 0, shared, null, null, null, client, server);
        var figures = LatencyFigures.From([P(true, 1.0, 0.4), P(true, 1.2, 0.5), P(false, 1.0, 0.95)], repeatK: 10);
        Assert.Equal(0.65, figures.SharedHitGapP50!.Value, 9);
        Assert.Equal(0.05, figures.OtherGapP50!.Value, 9);
        Assert.Equal(1.1, figures.SharedRepeatHitP50!.Value, 9);
        Assert.Equal(1, figures.Misses);
    }
}

using Diffusion.Cache.Policy;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Tests.Policy;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_use_the_tables_default_mode()
    {
        var options = new ApproximateCacheOptions { KTables = KTableSet.Uncalibrated }.Validate();
        Assert.Equal(RetrievalMode.PromptToPrompt, options.EffectiveMode);
        Assert.Equal(RetrievalMode.PromptToImage, (options with { Mode = RetrievalMode.PromptToImage }).EffectiveMode);
    }

    [Fact]
    public void Runs_store_only_the_points_the_table_in_effect_can_select()
    {
        var calibrated = KTableSet.Uncalibrated with
        {
            PromptToPrompt = new SimilarityKTable([new(0.91, 25), new(0.91, 20), new(0.91, 15), new(0.91, 10), new(0.1, 5)]),
        };
        var options = new ApproximateCacheOptions { KTables = calibrated, Mode = RetrievalMode.PromptToPrompt }.Validate();
        Assert.Equal([5, 25], options.StoredPoints.ReferenceKs);
        Assert.Equal([3, 13], options.StoredPoints.StepsFor(25));
        Assert.Equal([5, 10, 15, 20, 25], (options with { StoreReachablePointsOnly = false }).StoredPoints.ReferenceKs);
        Assert.Equal([5, 10, 15, 20, 25], (options with { KTables = KTableSet.Uncalibrated with { PromptToPrompt = SimilarityKTable.Nirvana } }).StoredPoints.ReferenceKs);
    }

    [Fact]
    public void Every_bad_setting_is_named_at_once()
    {
        var options = new ApproximateCacheOptions
        {
            KTables = KTableSet.Uncalibrated,
            CachePoints = [5, 60],
            SearchCandidates = 0,
            IndexDirectory = " ",
        };
        var e = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("CachePoints", e.Message);
        Assert.Contains("SearchCandidates", e.Message);
        Assert.Contains("IndexDirectory", e.Message);
    }

    [Fact]
    public void A_table_with_K_outside_the_cache_points_fails_validation()
    {
        var options = new ApproximateCacheOptions
        {
            KTables = KTableSet.Uncalibrated with { PromptToImage = new SimilarityKTable([new(0.5, 7)]) },
        };
        var e = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("prompt-to-image", e.Message);
    }

    [Theory]
    [InlineData(null, "default")]
    [InlineData("", "default")]
    [InlineData("alice", "alice")]
    [InlineData("team_7-b", "team_7-b")]
    public void Valid_users_are_their_own_tenant(string? user, string tenant)
    {
        Assert.Equal(tenant, CacheTenants.FromUser(user).Value);
    }

    [Fact]
    public void Other_users_map_to_a_stable_hashed_tenant()
    {
        var a = CacheTenants.FromUser("Alice@example.com");
        Assert.Equal(a, CacheTenants.FromUser("Alice@example.com"));
        Assert.NotEqual(a, CacheTenants.FromUser("alice@example.com"));
        Assert.StartsWith("u-", a.Value);
        Assert.True(TenantId.TryParse(a.Value, out _));
    }

    [Theory]
    [InlineData("auto", CacheMode.Auto)]
    [InlineData("OFF", CacheMode.Off)]
    [InlineData(" refresh ", CacheMode.Refresh)]
    public void Cache_modes_parse(string text, CacheMode mode) => Assert.Equal(mode, CacheModes.Parse(text));

    [Fact]
    public void An_unknown_cache_mode_names_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => CacheModes.Parse("sometimes"));
        Assert.Contains("auto, off or refresh", e.Message);
    }
}

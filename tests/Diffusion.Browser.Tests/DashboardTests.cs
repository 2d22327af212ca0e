using System.Globalization;
using System.Text.RegularExpressions;
using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Diffusion.Browser.Tests;

/// <summary>The dashboard (<c>/dashboard</c>) polling the real server's /v1/metrics while it works.</summary>
public sealed class DashboardTests(ServerAndBrowserFixture fixture) : IClassFixture<ServerAndBrowserFixture>
{
    private static ILocator Tile(IPage page, string metric) => page.Locator($".tile[data-metric='{metric}'] .value");

    private static async Task<long> TileNumberAsync(IPage page, string metric)
    {
        var text = await Tile(page, metric).TextContentAsync() ?? "";
        Assert.True(long.TryParse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value),
            $"tile {metric} shows '{text}', not a number");
        return value;
    }

    [Fact]
    public async Task Numbers_update_live_while_images_are_generated_including_the_store_and_the_engine()
    {
        var page = await fixture.OpenAsync("/dashboard");
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Live · updated"));
        var before = await TileNumberAsync(page, "generation.count");

        await fixture.App.GenerateAsync(new { prompt = "a windmill in a tulip field", steps = 8 });
        await fixture.App.GenerateAsync(new { prompt = "a tram in the rain", steps = 8 });

        // No reload: the page's own polling picks the new totals up.
        await Expect(Tile(page, "generation.count")).ToHaveTextAsync((before + 2).ToString(CultureInfo.InvariantCulture));
        await Expect(Tile(page, "images_stored")).ToHaveTextAsync((before + 2).ToString(CultureInfo.InvariantCulture));
        await Expect(Tile(page, "generation.p50_s")).ToHaveTextAsync(new Regex(@"^\d+(\.\d+)? (ms|s)$"));
        await Expect(Tile(page, "cache.misses")).Not.ToHaveTextAsync("not reported");
        await Expect(Tile(page, "queue.depth")).ToHaveTextAsync("0");
        await Expect(page.Locator("#chart-latency")).ToHaveAttributeAsync("aria-label", new Regex("p50 \\d"));
        await Expect(page.Locator("#chart-hits-by-k")).ToHaveAttributeAsync("aria-label", new Regex("^Hits by K: (no cache hits yet|K=)"));

        // The served composition reports its latent store and its engine: real numbers, never "not reported".
        foreach (var metric in new[] { "cache.store.used_bytes", "cache.store.evictions", "engine.kv_used_blocks", "engine.diffusion_batch" })
        {
            await Expect(Tile(page, metric)).Not.ToHaveTextAsync("not reported");
            await Expect(page.Locator($".tile[data-metric='{metric}']")).Not.ToHaveClassAsync(new Regex(@"\bnot-reported\b"));
        }
        await Expect(page.Locator("#store-meter")).ToHaveTextAsync(new Regex(@"^Cache bytes vs budget \d+(\.\d)? [KM]?i?B of \d+(\.\d)? GiB"));
        await Expect(Tile(page, "engine.diffusion_batch")).ToHaveTextAsync(new Regex(@"^\d+(\.\d+)?$"));
        await Expect(Tile(page, "cache.model_calls_saved.within_request")).ToHaveTextAsync("0");   // no request asked for output reuse
        await Expect(page.Locator("#adaptive-k")).ToHaveTextAsync(new Regex("^Fixed K table"));

        // Everything the server sends is listed, whatever its section.
        await page.Locator("#raw-title").ClickAsync();
        await Expect(page.Locator("#raw-table")).ToContainTextAsync("generation.count");
        await Expect(page.Locator("#raw-table")).ToContainTextAsync("queue.capacity");
        await Screenshots.SaveAsync(page, "dashboard");
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Hit_counter_rises_after_a_repeated_prompt()
    {
        var page = await fixture.OpenAsync("/dashboard");
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Live · updated"));
        var before = await TileNumberAsync(page, "cache.hits");

        var request = new { prompt = "a red fox sitting in fresh snow, watercolor", steps = 20, seed = 7 };
        var first = await fixture.App.GenerateAsync(request);
        Assert.False(first.GetProperty("cache").GetProperty("hit").GetBoolean(), "the first request of a new prompt was a hit");
        var repeated = await fixture.App.GenerateAsync(request);
        Assert.True(repeated.GetProperty("cache").GetProperty("hit").GetBoolean(), "the repeated prompt was not a cache hit");
        // The hit names the gallery image whose run stored the latents it started from (the detail view shows it).
        Assert.Equal(first.GetProperty("id").GetString(), repeated.GetProperty("cache").GetProperty("source_image_id").GetString());

        await Eventually.TrueAsync(async () => await TileNumberAsync(page, "cache.hits") > before, "the hits tile did not rise");
        await Expect(page.Locator("#chart-hits-by-k")).ToHaveAttributeAsync("aria-label", new Regex("K=\\d+ [1-9]"));
        await Expect(page.Locator(".tile[data-metric='cache.steps_saved'] .value")).Not.ToHaveTextAsync("0");
        // The server prices the skipped steps itself (K at the hit's own time per step): a time, not an estimate.
        await Expect(Tile(page, "cache.seconds_saved")).ToHaveTextAsync(new Regex(@"^\d+(\.\d+)? (ms|s)$"));
        await Expect(Tile(page, "cache.seconds_saved")).Not.ToHaveTextAsync(new Regex(@"^0(\.0+)? (ms|s)$"));
        await Expect(page.Locator(".tile[data-metric='cache.seconds_saved'] .sub")).ToHaveTextAsync("");
        await Screenshots.SaveAsync(page, "dashboard-after-hit");
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Losing_the_server_is_shown_and_polling_recovers()
    {
        var page = await fixture.OpenAsync("/dashboard");
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Live · updated"));

        await page.RouteAsync("**/v1/metrics", route => route.AbortAsync("connectionrefused"));
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Cannot read /v1/metrics .*retrying every 1 s · last update"));
        await Expect(page.Locator("#live-dot")).ToHaveClassAsync(new Regex(@"\bdown\b"));

        await page.UnrouteAsync("**/v1/metrics");
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Live · updated"));
        fixture.AssertNoScriptErrors();
    }
}

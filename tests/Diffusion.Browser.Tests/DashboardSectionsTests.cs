using System.Text.Json;
using System.Text.RegularExpressions;
using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Diffusion.Browser.Tests;

/// <summary>
/// The dashboard's rendering of sections this branch's server does not report yet (cache store,
/// engine, hits by K), fed a metrics document in the shape those components produce. Only
/// /v1/metrics is replaced (by Playwright routing); the page itself comes from the real server.
/// </summary>
public sealed class DashboardSectionsTests(ServerAndBrowserFixture fixture) : IClassFixture<ServerAndBrowserFixture>
{
    private const long MiB = 1024 * 1024;

    /// <summary>The n-th poll's document: every total grows by the same step, hits and misses equally.</summary>
    private static string Metrics(int n)
    {
        long hits = 4 + n, misses = 12 + n, stepsSaved = 60 + (10 * n), stepsRequested = 800 + (50 * n), count = 16 + (2 * n);
        return JsonSerializer.Serialize(new
        {
            requests = new[] { new { route = "/v1/jobs", method = "POST", status = 202, count = 5 } },
            generation = new
            {
                count, sum_s = 0.5 * count, mean_s = 0.5, p50_s = 0.4, p95_s = 0.9, p99_s = 1.2,
                by_outcome = new { succeeded = count, failed = 1 },
            },
            queue = new { depth = n % 3, capacity = 32, in_flight = 1, rejected = 0 },
            cache = new
            {
                hits, misses, hit_rate = (double)hits / (hits + misses), steps_saved = stepsSaved, steps_requested = stepsRequested,
                hits_by_k = new Dictionary<string, long> { ["5"] = 3, ["10"] = 1, ["25"] = hits - 4 },
                store = new { used_bytes = (long)(3.5 * MiB), max_bytes = 8 * MiB, entries = 12, latents = 40, evictions = 5 },
                model_calls_saved = new { cross_request = stepsSaved, within_request = 200 },
                adaptive_k = new
                {
                    buckets = new[]
                    {
                        new { low = -1.0, high = 0.67, calibrated_k = 10, k = 5, arms = new[]
                        {
                            new { k = 0, count = 9, mean_score = (double?)0.79, mean_drop = (double?)null, verdict = "proven" },
                            new { k = 10, count = 12, mean_score = (double?)0.76, mean_drop = (double?)0.03, verdict = "ruled_out" },
                        } },
                        new { low = 0.67, high = 1.0, calibrated_k = 15, k = 15, arms = new[]
                        {
                            new { k = 15, count = 4, mean_score = (double?)0.785, mean_drop = (double?)0.005, verdict = "unknown" },
                        } },
                    },
                    baseline_runs = 9, baseline_score = 0.79, tolerance = 0.008, observations = 25, explorations = 3, controls = 2, promotions = 0, demotions = 1,
                },
            },
            engine = new
            {
                scheduler = new
                {
                    diffusion_iterations = 100 + (10 * n), diffusion_batch_jobs = 250 + (30 * n), llm_iterations = 50, llm_batch_sequences = 120,
                    mean_llm_batch_tokens = 3.5, preemptions = 2,
                },
                memory = new { total_blocks = 256, used_blocks = 64, shared_blocks = 9, prefix_hit_tokens = 480, sharing_saved_slots = 300, kv_waste = 0.12 },
            },
            // between polls three interactive images meet their due time and one misses it
            slo = new Dictionary<string, object>
            {
                ["interactive"] = new { met = 10 + (3 * n), missed = 10 + n, none = 0, attainment = (10.0 + (3 * n)) / (20 + (4 * n)) },
                ["batch"] = new { met = 0, missed = 0, none = 4 },
            },
            trace = new { replayed_requests = 7 },
            jobs = new { active = 0, retained = 3 },
            images_stored = count,
        });
    }

    private static async Task<IPage> OpenWithMetricsAsync(ServerAndBrowserFixture fixture)
    {
        var page = await fixture.Browser.NewPageAsync();
        var polls = 0;
        await page.RouteAsync("**/v1/metrics", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "application/json",
            Body = Metrics(Interlocked.Increment(ref polls)),
        }));
        await page.GotoAsync(new Uri(fixture.App.BaseAddress, "/dashboard").ToString());
        return page;
    }

    private static ILocator Tile(IPage page, string metric) => page.Locator($".tile[data-metric='{metric}']");

    [Fact]
    public async Task Cache_store_and_engine_sections_are_drawn_when_reported()
    {
        var page = await OpenWithMetricsAsync(fixture);
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Live · updated"));

        await Expect(page.Locator("#store-meter")).ToHaveTextAsync("Cache bytes vs budget 3.5 MiB of 8.0 MiB (43.8 %)");
        await Expect(page.Locator("#store-meter [role=meter]")).ToHaveAttributeAsync("aria-valuenow", (3.5 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(Tile(page, "cache.store.entries").Locator(".value")).ToHaveTextAsync("12");
        await Expect(Tile(page, "cache.store.entries").Locator(".sub")).ToHaveTextAsync("40 latents");
        await Expect(Tile(page, "cache.store.evictions").Locator(".value")).ToHaveTextAsync("5");

        await Expect(page.Locator("#kv-meter")).ToHaveTextAsync("LLM KV blocks in use 64 of 256 (25.0 %)");
        await Expect(Tile(page, "engine.kv_shared_blocks").Locator(".value")).ToHaveTextAsync("9");
        await Expect(Tile(page, "engine.kv_shared_blocks").Locator(".sub")).ToHaveTextAsync("300 token slots saved by sharing");
        await Expect(Tile(page, "engine.prefix_hit_tokens").Locator(".value")).ToHaveTextAsync("480");
        await Expect(Tile(page, "engine.llm_batch").Locator(".value")).ToHaveTextAsync("2.4");
        await Expect(Tile(page, "engine.llm_batch").Locator(".sub")).ToHaveTextAsync("3.5 tokens per iteration");
        await Expect(Tile(page, "engine.diffusion_batch").Locator(".value")).ToHaveTextAsync(new Regex(@"^2\.\d+$"));
        await Expect(Tile(page, "engine.preemptions").Locator(".value")).ToHaveTextAsync("2");

        // Steps saved as a share of those requested; seconds saved estimated from time per step run.
        await Expect(Tile(page, "cache.steps_saved").Locator(".sub")).ToHaveTextAsync(new Regex(@"^\d+\.\d % of [\d,]+ requested$"));
        await Expect(Tile(page, "cache.seconds_saved").Locator(".sub")).ToHaveTextAsync("≈ estimated from time per step");
        await Expect(Tile(page, "cache.seconds_saved").Locator(".value")).Not.ToHaveTextAsync("not reported");

        // Model calls saved by each mechanism, and what the adaptive table learned.
        await Expect(Tile(page, "cache.model_calls_saved.within_request").Locator(".value")).ToHaveTextAsync("200");
        await Expect(Tile(page, "cache.model_calls_saved.within_request").Locator(".sub")).ToHaveTextAsync(new Regex(@"^\d+\.\d % of the calls of full runs$"));
        await Expect(page.Locator("#adaptive-k")).ToContainTextAsync("25 images scored, 3 explorations, 2 controls; 1 of 2 buckets moved from the calibrated K");
        var lowBucket = page.Locator("#adaptive-k tbody tr").First;
        await Expect(lowBucket.Locator("td").Nth(2)).ToHaveTextAsync("5");
        await Expect(lowBucket.Locator("td").Nth(2)).ToHaveClassAsync("down");
        await Expect(lowBucket.Locator("td").Nth(3)).ToHaveTextAsync("K 0: 9 images, proven; K 10: 12 images, drop +0.030, ruled out");

        await Expect(page.Locator("#chart-hits-by-k")).ToHaveAttributeAsync("aria-label", new Regex(@"^Hits by K: K=5 3, K=10 1, K=25 \d+$"));
        await Expect(page.Locator("#chart-batch")).ToHaveAttributeAsync("aria-label", new Regex(@"diffusion jobs per iteration \d"));
        await Expect(page.Locator("#chart-kv")).ToHaveAttributeAsync("aria-label", new Regex("used 64, shared 9, total 256"));

        // A section the page has no panel for still shows up in the full list.
        await page.Locator("#raw-title").ClickAsync();
        await Expect(page.Locator("#raw-table")).ToContainTextAsync("trace.replayed_requests");
        await Expect(page.Locator("#raw-table")).ToContainTextAsync("requests[/v1/jobs POST 202].count");
        await Screenshots.SaveAsync(page, "dashboard-all-sections");
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Hit_rate_over_time_is_taken_over_the_recent_window_not_all_time()
    {
        var page = await OpenWithMetricsAsync(fixture);
        // Between polls hits and misses each rise by one: 50 % lately, while all-time stays below that.
        await Expect(Tile(page, "cache.hit_rate").Locator(".sub")).ToHaveTextAsync("last 30 s: 50.0 %");
        await Expect(Tile(page, "cache.hit_rate").Locator(".value")).Not.ToHaveTextAsync("50.0 %");
        await Expect(page.Locator("#chart-hit-rate")).ToHaveAttributeAsync("aria-label", new Regex("^Hit rate over time: last 30 s 50.0 %, all time [1-4]"));
        await Expect(page.Locator("#chart-throughput")).ToHaveAttributeAsync("aria-label", new Regex(@"images/s over 30 s [1-9]"));
        await Expect(page.Locator("#chart-slo")).ToHaveAttributeAsync("aria-label", new Regex("^Interactive images within their due time: last 30 s 75.0 %, all time [5-7]"));
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_window_selector_sets_the_span_every_chart_is_drawn_for()
    {
        var page = await OpenWithMetricsAsync(fixture);
        await Expect(page.Locator("#status-text")).ToHaveTextAsync(new Regex("^Live · updated"));
        var charts = page.Locator("canvas[data-window-seconds]");
        await Expect(page.Locator("#chart-store")).ToHaveAttributeAsync("data-window-seconds", "300");

        foreach (var (value, label) in new[] { ("60", "1 minute"), ("900", "15 minutes") })
        {
            await page.Locator("#window-select").SelectOptionAsync(value);
            await Expect(page.Locator("#chart-latency")).ToHaveAttributeAsync("aria-label", new Regex($@"\(last {label}\)$"));
            foreach (var chart in await charts.AllAsync())
                await Expect(chart).ToHaveAttributeAsync("data-window-seconds", value);
        }
        fixture.AssertNoScriptErrors();
    }
}

using System.Text.Json;
using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Diffusion.Browser.Tests;

/// <summary>
/// The pages' pure modules (history windows, metric lookup, chart ticks, formatting), imported in the
/// browser as the pages import them, so no separate JavaScript toolchain is needed.
/// </summary>
public sealed class WebModuleTests(ServerAndBrowserFixture fixture) : IClassFixture<ServerAndBrowserFixture>, IAsyncLifetime
{
    private IPage page = null!;

    public async Task InitializeAsync() => page = await fixture.OpenAsync("/img/favicon.svg");

    public Task DisposeAsync() => page.CloseAsync();

    private async Task<JsonElement> RunAsync(string module, string body)
    {
        var result = await page.EvaluateAsync<JsonElement>($"async () => {{ const m = await import('{module}'); {body} }}");
        fixture.AssertNoScriptErrors();
        return result;
    }

    [Fact]
    public async Task History_rate_and_ratio_use_the_trailing_window_and_count_a_restarted_total_from_zero()
    {
        var result = await RunAsync("/js/dashboard/history.js", """
            const h = new m.MetricHistory(60);
            const doc = (hits, misses) => ({ cache: { hits, misses } });
            h.push(0, doc(0, 0));
            h.push(1000, doc(1, 1));
            h.push(2000, doc(4, 2));
            h.push(3000, doc(1, 0));   // restarted: totals went down
            h.push(4000, doc(2, 0));
            const hits = (j) => j.cache.hits;
            const lookups = (j) => j.cache.hits + j.cache.misses;
            return {
              rate: h.rate(hits, 10).map(p => p.v),
              ratio: h.ratio(hits, lookups, 1.5).map(p => p.v),
              series: h.series((j) => j.cache.misses).map(p => p.v),
            };
            """);
        // Increases 1, 3, then 1 (restart: 1 counted from zero), then 1.
        Assert.Equal([null, 1.0, 2.0, 5 / 3.0, 1.5], Values(result.GetProperty("rate")), Tolerance);
        // 1.5 s window: each point compares with the sample one second before it.
        Assert.Equal([null, 0.5, 0.75, 1.0, 1.0], Values(result.GetProperty("ratio")));
        Assert.Equal([0.0, 1.0, 2.0, 0.0, 0.0], Values(result.GetProperty("series")));
    }

    [Fact]
    public async Task History_forgets_samples_older_than_its_window()
    {
        var result = await RunAsync("/js/dashboard/history.js", """
            const h = new m.MetricHistory(2);
            for (let t = 0; t <= 5000; t += 1000) h.push(t, { t });
            return h.samples.map(s => s.t);
            """);
        Assert.Equal([3000.0, 4000.0, 5000.0], result.EnumerateArray().Select(e => e.GetDouble()));
    }

    [Fact]
    public async Task Metric_lookup_takes_the_first_path_present_and_flatten_lists_every_number()
    {
        var result = await RunAsync("/js/dashboard/metric-model.js", """
            const doc = { cache: { hits: 3, store: { used_bytes: 10 }, bytes_stored: 99, label: 'x' },
                          requests: [{ route: '/a', method: 'GET', status: 200, count: 4 }], ok: true, nothing: null };
            return {
              bytes: m.read(doc, m.paths.storeUsedBytes),
              missing: m.read(doc, m.paths.kvTotalBlocks) ?? 'undefined',
              notNumber: m.read(doc, ['cache.label']) ?? 'undefined',
              flat: m.flatten(doc).map(([k, v]) => `${k}=${v}`),
            };
            """);
        Assert.Equal(10, result.GetProperty("bytes").GetDouble());
        Assert.Equal("undefined", result.GetProperty("missing").GetString());
        Assert.Equal("undefined", result.GetProperty("notNumber").GetString());
        Assert.Equal(
            ["cache.hits=3", "cache.store.used_bytes=10", "cache.bytes_stored=99", "requests[/a GET 200].status=200", "requests[/a GET 200].count=4", "ok=true"],
            result.GetProperty("flat").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Chart_ticks_are_round_and_whole_for_counts()
    {
        var result = await RunAsync("/js/dashboard/charts.js", """
            return { ratio: m.niceTicks(1), seconds: m.niceTicks(1.37), counts: m.niceTicks(2, true), empty: m.niceTicks(0) };
            """);
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], Values(result.GetProperty("ratio")));
        Assert.Equal([0, 0.5, 1, 1.5], Values(result.GetProperty("seconds")));
        Assert.Equal([0, 1, 2], Values(result.GetProperty("counts")));
        Assert.Equal([0, 1], Values(result.GetProperty("empty")));
    }

    [Fact]
    public async Task Byte_ticks_are_round_in_binary_units()
    {
        var result = await RunAsync("/js/dashboard/charts.js", """
            const f = (await import('/js/format.js')).formatBytes;
            return { gib: m.niceByteTicks(2.8 * 1024 ** 3).map(f), mib: m.niceByteTicks(954 * 1024 ** 2).map(f) };
            """);
        Assert.Equal(["0 B", "1.0 GiB", "2.0 GiB", "3.0 GiB"], result.GetProperty("gib").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["0 B", "250 MiB", "500 MiB", "750 MiB", "1000 MiB"], result.GetProperty("mib").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Formatting_of_sizes_times_and_shares()
    {
        var result = await RunAsync("/js/format.js", """
            return [m.formatBytes(512), m.formatBytes(1536), m.formatBytes(3.5 * 1024 ** 3), m.formatSeconds(0.4), m.formatSeconds(12.345),
                    m.formatSeconds(125), m.formatPercent(0.4375), m.formatPercent(undefined), m.formatNumber(1234567)];
            """);
        Assert.Equal(["512 B", "1.5 KiB", "3.5 GiB", "400 ms", "12.3 s", "2 min 5 s", "43.8 %", "–", "1,234,567"],
            result.EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Date_filters_cover_whole_local_days()
    {
        // The browser runs in UTC (BrowserSession), so local midnight is UTC midnight.
        var result = await RunAsync("/js/gallery/filters.js", """
            return [m.dayStart('2026-02-28'), m.dayStart('2026-02-28', true), m.dayStart('2026-12-31', true)];
            """);
        Assert.Equal(["2026-02-28T00:00:00.000Z", "2026-03-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
            result.EnumerateArray().Select(e => e.GetString()));
    }

    private static readonly IEqualityComparer<double?> Tolerance =
        EqualityComparer<double?>.Create((a, b) => a is null ? b is null : b is not null && Math.Abs(a.Value - b.Value) < 1e-9, v => 0);

    private static double?[] Values(JsonElement array) =>
        array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble()).ToArray();
}

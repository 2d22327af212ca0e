using System.Text.Json;
using Diffusion.Replay.Metrics;
using Diffusion.Server;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Generation;
using Diffusion.Server.Metrics;

namespace Diffusion.Replay.Tests;

/// <summary>Reading the service's counters: its real JSON contract and its real Prometheus exporter, plus missing sections.</summary>
public sealed class ServerCounterReaderTests
{
    [Fact]
    public void The_services_json_metrics_give_every_counter_the_replay_compares()
    {
        var response = new MetricsResponse(
            [
                new RequestCount("/healthz", "GET", 200, 5),
                new RequestCount(CounterNames.GenerationsRoute, "POST", 200, 28),
                new RequestCount(CounterNames.GenerationsRoute, "POST", 400, 1),
                new RequestCount(CounterNames.GenerationsRoute, "POST", 429, 3),
                new RequestCount("/v1/jobs", "POST", 202, 9),
            ],
            new GenerationStats(28, 10, 0.36, 0.3, 0.5, 0.6, new Dictionary<string, long> { ["succeeded"] = 28, ["failed"] = 2 }),
            new QueueStats(0, 32, 0, 3),
            new CacheStats(10, 18, 10 / 28.0, 120, new Dictionary<string, long> { ["10"] = 4, ["20"] = 6 }),
            new JobStats(0, 0),
            28);
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(response, ApiJson.Options));

        var counters = MetricsJsonReader.Read(document.RootElement);

        Assert.Equal(new Dictionary<string, double>
        {
            [CounterNames.GenerationRequests] = 32,
            [CounterNames.GenerationRequestsOk] = 28,
            [CounterNames.GenerationRequests429] = 3,
            [CounterNames.GenerationsSucceeded] = 28,
            [CounterNames.QueueRejections] = 3,
            [CounterNames.ImagesStored] = 28,
            [CounterNames.CacheHits] = 10,
            [CounterNames.CacheMisses] = 18,
            [CounterNames.CacheStepsSkipped] = 120,
        }, counters);
    }

    [Fact]
    public void Missing_sections_give_no_counter_rather_than_zero()
    {
        using var document = JsonDocument.Parse("""{"requests":[],"cache":{"lookups":7,"steps_saved":35},"future":{"x":1}}""");
        var counters = MetricsJsonReader.Read(document.RootElement);
        Assert.Equal(new Dictionary<string, double>
        {
            [CounterNames.GenerationRequests] = 0,
            [CounterNames.GenerationRequestsOk] = 0,
            [CounterNames.GenerationRequests429] = 0,
            [CounterNames.CacheLookups] = 7,
            [CounterNames.CacheStepsSkipped] = 35,
        }, counters);

        using var notAnObject = JsonDocument.Parse("[1,2]");
        Assert.Empty(MetricsJsonReader.Read(notAnObject.RootElement));
    }

    [Fact]
    public async Task The_services_prometheus_export_gives_the_same_counters()
    {
        var metrics = new ServiceMetrics();
        metrics.ObserveRequest(CounterNames.GenerationsRoute, "POST", 200);
        metrics.ObserveRequest(CounterNames.GenerationsRoute, "POST", 200);
        metrics.ObserveRequest(CounterNames.GenerationsRoute, "POST", 429);
        metrics.ObserveRequest("/v1/images/{id}", "GET", 200);
        metrics.ObserveGeneration(0.5, new CacheReport(true, 10, 0.93f, "e1"), 50, 0.4);
        metrics.ObserveGeneration(0.7, CacheReport.Miss, 50, 0.6);
        metrics.ObserveFailure(GenerationOutcome.Failed);
        metrics.QueueRejections.Inc();
        metrics.ImagesStored.Inc(2);
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);

        var counters = PrometheusCounterReader.Read(PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(text.ToArray())));

        Assert.Equal(new Dictionary<string, double>
        {
            [CounterNames.GenerationRequests] = 3,
            [CounterNames.GenerationRequestsOk] = 2,
            [CounterNames.GenerationRequests429] = 1,
            [CounterNames.GenerationsSucceeded] = 2,
            [CounterNames.QueueRejections] = 1,
            [CounterNames.ImagesStored] = 2,
            [CounterNames.CacheHits] = 1,
            [CounterNames.CacheMisses] = 1,
            [CounterNames.CacheStepsSkipped] = 10,
        }, counters);
    }

    [Fact]
    public void Prometheus_text_with_escapes_timestamps_and_special_values_parses()
    {
        const string text = """
            # HELP diffusion_cache_lookups_total Lookups.
            # TYPE diffusion_cache_lookups_total counter
            # TYPE diffusion_cache_results_total counter
            diffusion_cache_lookups_total{model="a \"quoted\" name",path="c:\\x"} 4 1700000000000
            diffusion_cache_lookups_total{model="b\nline"} 3
            other_metric +Inf
            other_metric{le="NaN"} NaN
            """;
        var document = PrometheusText.Parse(text);
        Assert.Equal("a \"quoted\" name", document.Samples[0].Labels["model"]);
        Assert.Equal("c:\\x", document.Samples[0].Labels["path"]);
        Assert.Equal("b\nline", document.Samples[1].Labels["model"]);
        Assert.Equal(double.PositiveInfinity, document.Samples[2].Value);

        var counters = PrometheusCounterReader.Read(document);
        Assert.Equal(7, counters[CounterNames.CacheLookups]);
        // Declared without samples: labelled counters appear on first use, so this is a true zero.
        Assert.Equal(0, counters[CounterNames.CacheHits]);
        Assert.False(counters.ContainsKey(CounterNames.GenerationRequests));

        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse("ok 1\nbad{x=\"1\" 2"));
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void Json_counters_win_and_prometheus_fills_the_gaps()
    {
        var merged = ServerCounters.Merge(
            new Dictionary<string, double> { ["a"] = 1 }, "json",
            new Dictionary<string, double> { ["a"] = 2, ["b"] = 3 }, "prometheus", []);
        Assert.Equal(new CounterReading(1, "json"), merged["a"]);
        Assert.Equal(new CounterReading(3, "prometheus"), merged["b"]);
        Assert.Null(merged["c"]);
    }
}

using System.Net;
using Diffusion.Engine.Scheduling;
using Diffusion.Server.Generation;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

public sealed class ServiceEndpointTests : IDisposable
{
    private readonly DiffusionServerFactory factory = new(new Dictionary<string, string?> { ["Server:MaxSteps"] = "120" });
    private readonly HttpClient client;

    public ServiceEndpointTests() => client = factory.CreateClient();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task Models_lists_the_served_model_in_openai_shape()
    {
        var json = await ApiAssert.JsonAsync(await client.GetAsync("/v1/models"));
        Assert.Equal("list", json.GetProperty("object").GetString());
        var model = Assert.Single(json.GetProperty("data").EnumerateArray());
        Assert.Equal("test-model", model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(1_700_000_000, model.GetProperty("created").GetInt64());
        Assert.Equal("tests", model.GetProperty("owned_by").GetString());
        Assert.Equal(["64x64", "32x48"], model.GetProperty("sizes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(120, model.GetProperty("max_steps").GetInt32()); // the server's limit is below the model's 200

        var one = await ApiAssert.JsonAsync(await client.GetAsync("/v1/models/test-model"));
        Assert.Equal("test-model", one.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Healthz_answers_ok_with_queue_numbers()
    {
        var json = await ApiAssert.JsonAsync(await client.GetAsync("/healthz"));
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal("test-model", json.GetProperty("model").GetString());
        Assert.Equal(0, json.GetProperty("queue_depth").GetInt32());
        Assert.Equal(32, json.GetProperty("queue_capacity").GetInt32());
    }

    [Fact]
    public async Task A_requests_service_level_reaches_the_generator_and_the_metrics()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "replayed", slo = "batch" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "waited for", deadline_ms = 1500 })).StatusCode);

        var specs = factory.Generator.Calls.ToArray();
        Assert.Equal(SloClass.Batch, specs[0].Slo);
        Assert.Null(specs[0].Deadline);
        Assert.Equal(SloClass.Interactive, specs[1].Slo);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), specs[1].Deadline);
        Assert.All(specs, s => Assert.NotNull(s.ArrivedAt));   // stamped as the work left the queue, for the due time

        var body = await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("diffusion_slo_requests_total{class=\"batch\",result=\"none\"} 1", body);
        Assert.Contains("diffusion_slo_latency_seconds_count{class=\"interactive\"} 1", body);
        Assert.Contains("diffusion_slo_queueing_seconds_count{class=\"batch\"} 1", body);
        var slo = (await ApiAssert.JsonAsync(await client.GetAsync("/v1/metrics"))).GetProperty("slo");
        Assert.Equal(1, slo.GetProperty("batch").GetProperty("none").GetInt64());
        Assert.Equal(0, slo.GetProperty("interactive").GetProperty("missed").GetInt64());
    }

    [Fact]
    public async Task Output_reuse_reaches_the_generator_and_the_calls_it_saves_are_counted_apart_from_the_caches()
    {
        factory.Generator.Cache = new CacheReport(true, 4, 0.97f, "e9");
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "reused", steps = 10, output_reuse = 0.2 })).StatusCode);
        factory.Generator.Cache = CacheReport.Miss;
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "plain", steps = 10 })).StatusCode);

        Assert.Equal([0.2f, 0f], factory.Generator.Calls.Select(c => c.OutputReuse));
        var body = await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("diffusion_model_calls_saved_total{mechanism=\"within_request\"} 5", body);
        Assert.Contains("diffusion_model_calls_saved_total{mechanism=\"cross_request\"} 4", body);
        var saved = (await ApiAssert.JsonAsync(await client.GetAsync("/v1/metrics"))).GetProperty("cache").GetProperty("model_calls_saved");
        Assert.Equal(5, saved.GetProperty("within_request").GetInt64());
        Assert.Equal(4, saved.GetProperty("cross_request").GetInt64());
    }

    [Fact]
    public async Task Metrics_count_requests_generations_and_cache_results_in_both_formats()
    {
        factory.Generator.Cache = new CacheReport(true, 20, 0.97f, "e9");
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "hit", n = 2 })).StatusCode);
        factory.Generator.Cache = CacheReport.Miss;
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "miss" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GenerateAsync(new { prompt = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nowhere")).StatusCode);

        var text = await client.GetAsync("/metrics");
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        var body = await text.Content.ReadAsStringAsync();
        Assert.Contains("diffusion_http_requests_total{route=\"/v1/images/generations\",method=\"POST\",status=\"200\"} 2", body);
        Assert.Contains("diffusion_http_requests_total{route=\"/v1/images/generations\",method=\"POST\",status=\"400\"} 1", body);
        Assert.Contains("diffusion_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1", body);
        Assert.Contains("diffusion_generation_seconds_count 3", body);
        Assert.Contains("diffusion_cache_results_total{result=\"hit\"} 2", body);
        Assert.Contains("diffusion_cache_steps_skipped_total 40", body);
        Assert.Contains("diffusion_steps_requested_total 150", body);
        // Each hit skipped 20 of 50 steps; the fake reports 0.5 s of denoising for the 30 it ran: 1/3 s saved apiece.
        var saved = System.Text.RegularExpressions.Regex.Match(body, @"^diffusion_cache_seconds_saved_total (\S+)$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(saved.Success, "no diffusion_cache_seconds_saved_total");
        Assert.Equal(2 * 20 * 0.5 / 30, double.Parse(saved.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.Contains("# TYPE diffusion_queue_depth gauge", body);
        Assert.Contains("# TYPE diffusion_in_flight gauge", body);

        var json = await ApiAssert.JsonAsync(await client.GetAsync("/v1/metrics"));
        var generation = json.GetProperty("generation");
        Assert.Equal(3, generation.GetProperty("count").GetInt64());
        Assert.Equal(3, generation.GetProperty("by_outcome").GetProperty("succeeded").GetInt64());
        Assert.True(generation.GetProperty("p95_s").GetDouble() >= 0);
        var cache = json.GetProperty("cache");
        Assert.Equal(2, cache.GetProperty("hits").GetInt64());
        Assert.Equal(1, cache.GetProperty("misses").GetInt64());
        Assert.Equal(2.0 / 3, cache.GetProperty("hit_rate").GetDouble(), 6);
        Assert.Equal(40, cache.GetProperty("steps_skipped").GetInt64());
        Assert.Equal(150, cache.GetProperty("steps_requested").GetInt64());
        Assert.Equal(2 * 20 * 0.5 / 30, cache.GetProperty("seconds_saved").GetDouble(), 3);
        Assert.Equal(3, json.GetProperty("images_stored").GetInt64());
        Assert.Equal(0, json.GetProperty("queue").GetProperty("depth").GetInt32());
        Assert.Contains(json.GetProperty("requests").EnumerateArray(), r =>
            r.GetProperty("route").GetString() == "/v1/images/generations" && r.GetProperty("status").GetInt32() == 400
            && r.GetProperty("count").GetInt64() == 1);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_endpoints_and_request_body()
    {
        var json = await ApiAssert.JsonAsync(await client.GetAsync("/openapi/v1.json"));
        Assert.StartsWith("3.", json.GetProperty("openapi").GetString());
        var paths = json.GetProperty("paths");
        foreach (var path in new[] { "/v1/images/generations", "/v1/images/{id}", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/events",
                     "/v1/models", "/v1/gallery", "/healthz", "/v1/metrics" })
            Assert.True(paths.TryGetProperty(path, out _), path);
        var schema = json.GetProperty("components").GetProperty("schemas").GetProperty("ImageGenerationRequest");
        var properties = schema.GetProperty("properties");
        foreach (var name in new[] { "prompt", "n", "size", "response_format", "seed", "steps", "guidance_scale", "negative_prompt", "scheduler", "cache", "expand_prompt" })
            Assert.True(properties.TryGetProperty(name, out _), name);
    }
}

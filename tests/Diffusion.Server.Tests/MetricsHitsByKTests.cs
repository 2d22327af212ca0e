using System.Net;
using Diffusion.Server.Generation;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>The dashboard's extra numbers in /v1/metrics: hits by K and the p99 generation time.</summary>
public sealed class MetricsHitsByKTests : IDisposable
{
    private readonly DiffusionServerFactory factory = new();
    private readonly HttpClient client;

    public MetricsHitsByKTests() => client = factory.CreateClient();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task Hits_are_counted_by_k_in_numeric_order_and_p99_appears_after_the_first_generation()
    {
        var before = await ApiAssert.JsonAsync(await client.GetAsync("/v1/metrics"));
        Assert.Empty(before.GetProperty("cache").GetProperty("hits_by_k").EnumerateObject());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("generation").GetProperty("p99_s").ValueKind);

        foreach (var (k, n) in new[] { (20, 1), (5, 2), (15, 1) })
        {
            factory.Generator.Cache = new CacheReport(true, k, 0.9f, "e" + k);
            Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "hit", n })).StatusCode);
        }
        factory.Generator.Cache = CacheReport.Miss;
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "miss" })).StatusCode);

        var json = await ApiAssert.JsonAsync(await client.GetAsync("/v1/metrics"));
        var byK = json.GetProperty("cache").GetProperty("hits_by_k").EnumerateObject().Select(p => (p.Name, p.Value.GetInt64())).ToList();
        Assert.Equal([("5", 2L), ("15", 1L), ("20", 1L)], byK);
        Assert.Equal(4, json.GetProperty("cache").GetProperty("hits").GetInt64());
        var generation = json.GetProperty("generation");
        Assert.True(generation.GetProperty("p99_s").GetDouble() >= generation.GetProperty("p95_s").GetDouble());

        var text = await client.GetStringAsync("/metrics");
        Assert.Contains("diffusion_cache_hits_by_k_total{k=\"5\"} 2", text, StringComparison.Ordinal);
    }
}

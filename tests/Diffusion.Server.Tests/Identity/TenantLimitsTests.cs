using System.Net;
using System.Net.Http.Headers;
using Diffusion.Server.Metrics;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Server.Tests.Identity;

/// <summary>One tenant cannot take the queue, or the request rate, from the others.</summary>
public sealed class TenantLimitsTests
{
    private const string AliceKey = "alice-key-0123456789";
    private const string BobKey = "bob-key-0123456789ab";
    private static readonly string Keys = $"alice:{AliceKey};bob:{BobKey}";

    private static HttpClient Client(DiffusionServerFactory factory, string key)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task A_tenant_gets_its_share_of_the_queue_and_the_other_tenant_still_gets_in()
    {
        using var factory = new DiffusionServerFactory(new Dictionary<string, string?>
        {
            ["Server:ApiKeys"] = Keys, ["Server:MaxQueueLength"] = "4", ["Server:Workers"] = "1", ["Server:TenantQueueShare"] = "0.5",
        });
        var alice = Client(factory, AliceKey);
        var bob = Client(factory, BobKey);
        factory.Generator.Hold();
        var metrics = factory.Services.GetRequiredService<ServiceMetrics>();

        Assert.Equal(HttpStatusCode.Accepted, (await alice.CreateJobAsync(new { prompt = "running" })).StatusCode);
        await factory.Generator.WaitForStartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await alice.CreateJobAsync(new { prompt = "waiting one" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.CreateJobAsync(new { prompt = "waiting two" })).StatusCode);

        var refused = await alice.CreateJobAsync(new { prompt = "one too many" });
        await ApiAssert.ErrorAsync(refused, HttpStatusCode.TooManyRequests, "its share of the queue");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(2, metrics.QueueDepth.Value);

        // The queue has room for 4: Bob's work is not stuck behind Alice's share.
        Assert.Equal(HttpStatusCode.Accepted, (await bob.CreateJobAsync(new { prompt = "bob's turn" })).StatusCode);
        factory.Generator.Release();
    }

    [Fact]
    public async Task The_rate_limit_is_per_tenant_and_answers_429_with_retry_after()
    {
        // 6 a minute: a burst of 1, then one every 10 s.
        using var factory = new DiffusionServerFactory(new Dictionary<string, string?>
        {
            ["Server:ApiKeys"] = Keys, ["Server:RateLimitPerMinute"] = "6",
        });
        var alice = Client(factory, AliceKey);
        Assert.Equal(HttpStatusCode.OK, (await alice.GenerateAsync(new { prompt = "first" })).StatusCode);

        var limited = await alice.GenerateAsync(new { prompt = "second" });
        await ApiAssert.ErrorAsync(limited, HttpStatusCode.TooManyRequests, "rate limit of 6");
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.ToString());
        Assert.Single(factory.Generator.Calls);

        Assert.Equal(HttpStatusCode.OK, (await Client(factory, BobKey).GenerateAsync(new { prompt = "bob" })).StatusCode);
    }
}

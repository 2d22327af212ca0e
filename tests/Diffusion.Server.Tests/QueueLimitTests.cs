using System.Net;
using Diffusion.Server.Metrics;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Server.Tests;

public sealed class QueueLimitTests : IDisposable
{
    private readonly DiffusionServerFactory factory = new(new Dictionary<string, string?>
    {
        ["Server:MaxQueueLength"] = "2",
        ["Server:Workers"] = "1",
    });

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after_for_jobs_and_synchronous_requests()
    {
        using var client = factory.CreateClient();
        factory.Generator.Hold();

        // One running (taken off the queue), two waiting: the queue is full.
        var running = await client.CreateJobAsync(new { prompt = "one" });
        Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
        await factory.Generator.WaitForStartAsync();
        var waitingJob = await client.CreateJobAsync(new { prompt = "two" });
        Assert.Equal(HttpStatusCode.Accepted, waitingJob.StatusCode);
        var waitingSync = client.GenerateAsync(new { prompt = "three" });
        await ImageGenerationApiTests.WaitUntilAsync(() => Metrics.QueueDepth.Value == 2);

        var refusedJob = await client.CreateJobAsync(new { prompt = "four" });
        var error = await ApiAssert.ErrorAsync(refusedJob, HttpStatusCode.TooManyRequests, "queue is full");
        Assert.Equal("queue_full", error.GetProperty("code").GetString());
        Assert.True(refusedJob.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));

        var refusedSync = await client.GenerateAsync(new { prompt = "five" });
        await ApiAssert.ErrorAsync(refusedSync, HttpStatusCode.TooManyRequests, "queue is full");
        Assert.NotNull(refusedSync.Headers.RetryAfter);
        Assert.Equal(2, Metrics.QueueRejections.Value);

        // Draining the queue lets everything waiting finish and new work in.
        factory.Generator.Release();
        Assert.Equal(HttpStatusCode.OK, (await waitingSync).StatusCode);
        await ImageGenerationApiTests.WaitUntilAsync(() => factory.Generator.Calls.Count == 3);
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "six" })).StatusCode);
        Assert.Equal(["one", "two", "three", "six"], factory.Generator.Calls.Select(c => c.Prompt));
    }

    [Fact]
    public async Task Generations_never_run_more_at_once_than_the_workers()
    {
        using var client = factory.CreateClient();
        factory.Generator.Hold();
        var first = client.GenerateAsync(new { prompt = "a" });
        var second = client.GenerateAsync(new { prompt = "b" });
        await factory.Generator.WaitForStartAsync();
        await ImageGenerationApiTests.WaitUntilAsync(() => Metrics.QueueDepth.Value == 1);
        await Task.Delay(100);
        Assert.Single(factory.Generator.Calls);
        Assert.Equal(1, Metrics.InFlight.Value);

        factory.Generator.Release();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second).StatusCode);
        Assert.Equal(2, factory.Generator.Calls.Count);
    }

    private ServiceMetrics Metrics => factory.Services.GetRequiredService<ServiceMetrics>();

    [Fact]
    public async Task With_a_wait_limit_work_that_would_wait_too_long_gets_429_even_on_a_fresh_start()
    {
        using var limited = new DiffusionServerFactory(new Dictionary<string, string?>
        {
            ["Server:MaxQueueLength"] = "10", ["Server:Workers"] = "1", ["Server:MaxQueueWaitSeconds"] = "5",
        });
        using var client = limited.CreateClient();
        limited.Generator.Hold();

        // No generation has finished yet, so each item ahead counts as the whole 5 s: one may wait behind the running one.
        Assert.Equal(HttpStatusCode.Accepted, (await client.CreateJobAsync(new { prompt = "running" })).StatusCode);
        await limited.Generator.WaitForStartAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await client.CreateJobAsync(new { prompt = "waiting" })).StatusCode);

        var refused = await client.CreateJobAsync(new { prompt = "would wait 10 s" });
        var error = await ApiAssert.ErrorAsync(refused, HttpStatusCode.TooManyRequests, "overloaded");
        Assert.Equal("overloaded", error.GetProperty("code").GetString());
        Assert.NotNull(refused.Headers.RetryAfter);
        limited.Generator.Release();
    }
}

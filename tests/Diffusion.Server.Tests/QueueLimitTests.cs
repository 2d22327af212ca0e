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
}

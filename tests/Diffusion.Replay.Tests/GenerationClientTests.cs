using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Diffusion.Replay.Client;
using Diffusion.Replay.Records;
using Diffusion.Replay.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Replay.Tests;

/// <summary>The client against a real Kestrel server whose handler answers 429 as the service does when its queue is full.</summary>
public sealed class GenerationClientTests
{
    private static readonly RetryPolicy Fast = new(5, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task A_429_is_retried_after_retry_after_and_the_request_then_succeeds()
    {
        var bodies = new List<string>();
        await using var server = await TestHttpServer.StartAsync(app => app.MapPost("/v1/images/generations", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            int count;
            lock (bodies)
            {
                bodies.Add(body);
                count = bodies.Count;
            }
            if (count <= 2)
            {
                context.Response.Headers.RetryAfter = "1";
                return Results.Json(new { error = new { message = "the queue is full", type = "rate_limit", code = "queue_full" } }, statusCode: 429);
            }
            return TestHttpServer.Image("img_ok", hit: true, k: 10);
        }));
        using var http = server.CreateClient();
        var retries = 0;
        var clock = Stopwatch.StartNew();

        var answer = await new GenerationClient(http, Fast, TimeProvider.System, TimeSpan.FromSeconds(30))
            .SendAsync(new GenerationRequestBody("a fox", "u", 5, 4, false), () => Interlocked.Increment(ref retries), CancellationToken.None);

        Assert.Equal(RequestOutcome.Succeeded, answer.Outcome);
        Assert.Equal((3, 2), (answer.Attempts, answer.Retries));
        Assert.Equal(2, retries);
        Assert.Equal("img_ok", answer.ImageId);
        Assert.Equal(new CacheResult(true, 10, 0.93, "src"), answer.Cache);
        // Retry-After: 1 twice, far above the 20-40 ms backoff.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {clock.Elapsed}");
        // The same request each time.
        Assert.Equal(3, bodies.Count);
        Assert.Single(bodies.Distinct());
        using var sent = JsonDocument.Parse(bodies[0]);
        Assert.Equal("a fox", sent.RootElement.GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task A_request_refused_beyond_the_retry_limit_is_a_recorded_failure_not_a_loss()
    {
        var calls = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapPost("/v1/images/generations", () =>
        {
            Interlocked.Increment(ref calls);
            return Results.Json(new { error = new { message = "the queue is full" } }, statusCode: 429);
        }));
        using var http = server.CreateClient();

        var answer = await new GenerationClient(http, Fast with { MaxRetries = 3 }, TimeProvider.System, TimeSpan.FromSeconds(30))
            .SendAsync(new GenerationRequestBody("a fox", null, null, null, false), null, CancellationToken.None);

        Assert.Equal(RequestOutcome.Failed, answer.Outcome);
        Assert.Equal(429, answer.Status);
        Assert.Equal((4, 4), (answer.Attempts, answer.Retries));
        Assert.Equal(4, calls);
        Assert.Contains("after 3 retries", answer.Error);
    }

    [Fact]
    public async Task Errors_other_than_429_are_not_retried()
    {
        var calls = 0;
        await using var server = await TestHttpServer.StartAsync(app => app.MapPost("/v1/images/generations", () =>
        {
            Interlocked.Increment(ref calls);
            return Results.Json(new { error = new { message = "the model is not loaded" } }, statusCode: 503);
        }));
        using var http = server.CreateClient();
        var answer = await new GenerationClient(http, Fast, TimeProvider.System, TimeSpan.FromSeconds(30))
            .SendAsync(new GenerationRequestBody("a fox", null, null, null, false), null, CancellationToken.None);
        Assert.Equal((RequestOutcome.Failed, (int?)503, "the model is not loaded", 1), (answer.Outcome, answer.Status, answer.Error, calls));
    }

    [Fact]
    public async Task A_server_that_is_not_listening_gives_a_transport_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var answer = await new GenerationClient(http, Fast, TimeProvider.System, TimeSpan.FromSeconds(30))
            .SendAsync(new GenerationRequestBody("a fox", null, null, null, false), null, CancellationToken.None);
        Assert.Equal(RequestOutcome.Failed, answer.Outcome);
        Assert.Null(answer.Status);
        Assert.StartsWith("transport error", answer.Error);
    }

    [Fact]
    public async Task A_slow_answer_times_out_and_an_abort_abandons_the_request()
    {
        await using var server = await TestHttpServer.StartAsync(app => app.MapPost("/v1/images/generations", async (CancellationToken aborted) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), aborted);
            return TestHttpServer.Image("late");
        }));
        using var http = server.CreateClient();
        var body = new GenerationRequestBody("a fox", null, null, null, false);

        var timedOut = await new GenerationClient(http, Fast, TimeProvider.System, TimeSpan.FromMilliseconds(200)).SendAsync(body, null, CancellationToken.None);
        Assert.Equal(RequestOutcome.Failed, timedOut.Outcome);
        Assert.Equal("no answer within 0.2 s", timedOut.Error);

        using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var abandoned = await new GenerationClient(http, Fast, TimeProvider.System, TimeSpan.FromSeconds(30)).SendAsync(body, null, abort.Token);
        Assert.Equal(RequestOutcome.Abandoned, abandoned.Outcome);
        Assert.Null(abandoned.Status);
    }
}

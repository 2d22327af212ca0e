using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Replay.Tests.Infrastructure;

/// <summary>
/// Endpoints shaped like the service's, for tests of the replay session: generations (every
/// <see cref="RefuseEvery"/>-th attempt answered 429 with Retry-After), /v1/models, and
/// /v1/metrics reporting what it counted, optionally skewed to provoke a mismatch.
/// </summary>
public sealed class FakeService
{
    private readonly Lock gate = new();
    private int attempts, ok, refused, hits, steps;

    public int RefuseEvery { get; init; }
    public TimeSpan Work { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>Added to the reported 200 count once one request succeeded: a server whose counter disagrees with its answers.</summary>
    public int SkewOk { get; init; }
    /// <summary>Called with each attempt's number as it arrives, so a test can act on progress rather than on a clock.</summary>
    public Action<int>? OnAttempt { get; init; }

    public List<JsonElement> Bodies { get; } = [];

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/images/generations", async (HttpContext context) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            int attempt;
            lock (gate)
            {
                Bodies.Add(document.RootElement.Clone());
                attempt = ++attempts;
                OnAttempt?.Invoke(attempt);
                if (RefuseEvery > 0 && attempt % RefuseEvery == 0)
                {
                    refused++;
                    context.Response.Headers.RetryAfter = "1";
                    return Results.Json(new { error = new { message = "the queue is full" } }, statusCode: 429);
                }
            }
            await Task.Delay(Work);
            var cacheOff = document.RootElement.TryGetProperty("cache", out var c) && c.GetString() == "off";
            var prompt = document.RootElement.GetProperty("prompt").GetString()!;
            var hit = !cacheOff && prompt.Contains("again");
            lock (gate)
            {
                ok++;
                if (hit) { hits++; steps += 10; }
            }
            return TestHttpServer.Image($"img_{attempt}", hit, 10);
        });
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = "model", default_steps = 20, max_steps = 150 } } }));
        app.MapGet("/v1/metrics", () =>
        {
            lock (gate)
            {
                var rows = new List<object>
                {
                    new { route = "/v1/images/generations", method = "POST", status = 200, count = ok + (ok > 0 ? SkewOk : 0) },
                };
                if (refused > 0) rows.Add(new { route = "/v1/images/generations", method = "POST", status = 429, count = refused });
                return Results.Json(new
                {
                    requests = rows,
                    generation = new { count = ok, by_outcome = new Dictionary<string, int> { ["succeeded"] = ok } },
                    queue = new { depth = 0, capacity = 4, in_flight = 0, rejected = refused },
                    cache = new { hits, misses = ok - hits, hit_rate = 0.0, steps_skipped = steps },
                    images_stored = ok,
                });
            }
        });
    }
}

using System.Diagnostics;
using System.Net;
using Diffusion.Cli.Commands;
using Diffusion.Inference.Onnx;
using Diffusion.Server.Caching;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Tests;

/// <summary>
/// The real serve composition (conformance model, cache on, Kestrel on loopback) while its cache opens in the
/// background: the test holds the real opener back behind a gate, or puts a failing one in its place.
/// </summary>
public sealed class CacheStartupTests : IAsyncLifetime
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-cache-startup-").FullName;
    private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CapturingLoggerProvider logs = new();
    private WebApplication? app;
    private HttpClient http = null!;

    private CacheReadiness Readiness => app!.Services.GetRequiredService<CacheReadiness>();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Healthz_says_starting_while_the_cache_opens_and_a_generation_waits_for_it_then_ok()
    {
        await StartAsync(real => async token =>
        {
            await gate.Task.WaitAsync(token);
            return await real(token);
        });

        using (var starting = await http.GetAsync("/healthz"))
        {
            Assert.Equal("starting", (await ApiAssert.JsonAsync(starting, HttpStatusCode.ServiceUnavailable)).GetProperty("status").GetString());
            Assert.NotNull(starting.Headers.RetryAfter);
        }

        // cache: off needs no cache, so it is served now; its time bounds how long a waiting request may stay unanswered
        var watch = Stopwatch.StartNew();
        using (var off = await http.GenerateAsync(new { prompt = "a fox", steps = 4, seed = 5, cache = "off" }))
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        var fullRun = watch.Elapsed;

        var waiting = http.GenerateAsync(new { prompt = "a fox", steps = 4, seed = 5 });
        await Task.Delay(TimeSpan.FromSeconds(1) + 3 * fullRun);
        Assert.False(waiting.IsCompleted, "a request that uses the cache was answered before the cache opened");
        Assert.Equal(CacheState.Opening, Readiness.State);

        gate.SetResult();
        using (var generated = await waiting)
        {
            var image = (await ApiAssert.JsonAsync(generated)).GetProperty("data")[0];
            Assert.False(image.GetProperty("cache").GetProperty("hit").GetBoolean());
        }
        using var ok = await http.GetAsync("/healthz");
        var health = await ApiAssert.JsonAsync(ok);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.False(health.TryGetProperty("problem", out _));
        Assert.Equal(CacheState.Ready, Readiness.State);
    }

    [Fact]
    public async Task A_cache_that_cannot_open_is_logged_reported_by_healthz_and_requests_and_stops_the_host()
    {
        // Fails at once: the opening waits for the host to start, so the start itself still succeeds.
        await StartAsync(_ => _ => Task.FromException<OpenedCache>(new InvalidDataException("the cache index is corrupt")));

        var failure = await Assert.ThrowsAsync<Generation.GeneratorUnavailableException>(() => Readiness.WaitAsync(CancellationToken.None));
        Assert.Equal("the cache could not be opened: the cache index is corrupt", failure.Message);
        Assert.True(app!.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested,
            "the host was not asked to stop");
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Category == typeof(CacheStartup).FullName
                                           && e.Message.Contains("the cache index is corrupt", StringComparison.Ordinal));

        // The serve command stops here; a host that still answers says why.
        var health = await ApiAssert.JsonAsync(await http.GetAsync("/healthz"), HttpStatusCode.ServiceUnavailable);
        Assert.Equal("failed", health.GetProperty("status").GetString());
        Assert.Equal("the cache index is corrupt", health.GetProperty("problem").GetString());
        await ApiAssert.ErrorAsync(await http.GenerateAsync(new { prompt = "a fox", steps = 4 }), HttpStatusCode.ServiceUnavailable,
            "the cache could not be opened: the cache index is corrupt");
    }

    [Fact]
    public async Task Stopping_the_host_while_the_cache_opens_stops_the_opening_promptly()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        await StartAsync(real => async token =>
        {
            entered.SetResult();
            try
            {
                await gate.Task.WaitAsync(token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
            return await real(token);
        });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var job = (await ApiAssert.JsonAsync(await http.CreateJobAsync(new { prompt = "a fox", steps = 4 }), HttpStatusCode.Accepted))
            .GetProperty("id").GetString();
        await Eventually.TrueAsync(async () =>
            (await ApiAssert.JsonAsync(await http.GetAsync($"/v1/jobs/{job}"))).GetProperty("status").GetString() == "running",
            "the job never started waiting for the cache");

        // The host waits up to 30 s (its shutdown timeout) for an opening that ignores the token.
        await app!.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(cancelled, "the opener's token did not fire");
        Assert.Equal(CacheState.Opening, Readiness.State);
        Assert.Null(Readiness.Opened);
        // Interrupted by the stop, as a crash would: unfinished in the journal, so the next start runs it again.
        Assert.Equal(1, app.Services.GetRequiredService<Jobs.JobRegistry>().ActiveCount);
    }

    private async Task StartAsync(Func<CacheOpener, CacheOpener> wrap)
    {
        app = ServeCommand.Build("http://127.0.0.1:0", new Dictionary<string, string?> { ["Server:DataDirectory"] = dataDirectory },
            new ModelHostingOptions(Fixtures.ConformanceModel, 1, ExecutionProviderKind.Cpu), services =>
            {
                var real = services.Single(d => d.ServiceType == typeof(CacheOpener));
                services.Remove(real);
                services.AddSingleton(sp => wrap((CacheOpener)real.ImplementationFactory!(sp)));
                services.AddSingleton<ILoggerProvider>(logs);
            });
        // Bounded: a start that waited for the held-back cache would never return.
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
    }
}

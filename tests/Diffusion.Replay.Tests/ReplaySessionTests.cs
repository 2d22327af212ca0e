using System.Text.Json;
using Diffusion.Replay.Metrics;
using Diffusion.Replay.Records;
using Diffusion.Replay.Tests.Infrastructure;
using Diffusion.Replay.Traces;
using SkiaSharp;

namespace Diffusion.Replay.Tests;

/// <summary>Whole sessions against a stand-in service on a real Kestrel socket.</summary>
public sealed class ReplaySessionTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("replay-session-").FullName;
    private readonly StringWriter output = new();
    private readonly StringWriter progress = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static IReadOnlyList<TraceRecord> Trace(int count) => Enumerable.Range(0, count)
        .Select(i => new TraceRecord(i % 3 == 2 ? $"a fox again {i}" : $"a fox {i}", i * 0.01, $"user{i % 4}", i % 5 == 0 ? null : i, null))
        .ToList();

    private ReplaySession Session(TestHttpServer server, HttpClient http, Func<ReplayOptions, ReplayOptions>? tweak = null)
    {
        var options = new ReplayOptions { Server = server.Address, OutputDirectory = Path.Combine(directory, "out"), Concurrency = 3 };
        return new ReplaySession(tweak?.Invoke(options) ?? options, http, new ReplayConsole(output, progress, false), TimeProvider.System);
    }

    [Fact]
    public async Task Retries_after_429_lose_nothing_and_the_counts_match_the_servers()
    {
        var service = new FakeService { RefuseEvery = 7 };
        await using var server = await TestHttpServer.StartAsync(service.Map);
        using var http = server.CreateClient();

        var report = await Session(server, http).RunAsync("trace.jsonl", Trace(30), inProcess: false, CancellationToken.None);

        var s = report.Summary;
        Assert.Equal(ReplayExitCodes.Ok, report.ExitCode);
        Assert.True(s.Acceptance.Passed, string.Join("; ", s.Acceptance.Failures));
        Assert.Equal((30, 30, 30, 0), (s.CacheOn.Requests.Sent, s.CacheOn.Requests.Recorded, s.CacheOn.Requests.Succeeded, s.CacheOn.Requests.Lost));
        Assert.True(s.CacheOn.Retries.Answers429 >= 4, $"{s.CacheOn.Retries.Answers429} 429 answers");
        Assert.Equal(10, s.CacheOn.Cache.Hits);
        Assert.Equal(100, s.CacheOn.Cache.StepsSaved);
        Assert.Equal(600, s.CacheOn.Cache.StepsRequested);   // the server's default steps, from /v1/models
        Assert.Equal(20, s.Settings.StepsPerRequest);

        var checks = s.CacheOn.ServerCounters.ToDictionary(c => c.Name);
        Assert.Equal(CheckStatus.Match, checks[CounterNames.GenerationRequests429].Status);
        Assert.Equal(s.CacheOn.Retries.Answers429, checks[CounterNames.QueueRejections].ServerDelta);
        Assert.Equal(30 + s.CacheOn.Retries.Answers429, checks[CounterNames.GenerationRequests].Ours);
        Assert.Equal(CheckStatus.Match, checks[CounterNames.CacheStepsSkipped].Status);
        Assert.Equal(CheckStatus.NotReported, checks[CounterNames.CacheLookups].Status);

        // The file holds each trace record exactly once; trace fields and server answers are in it.
        var lines = await RequestLogReader.ReadAsync(Path.Combine(directory, "out", ReplayFiles.Requests), CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 30), lines.Select(l => l.Index).Order());
        Assert.Contains(lines, l => l.Retries > 0 && l.Attempts == l.Retries + 1);
        Assert.Null(lines.Single(l => l.Index == 5).Seed);
        Assert.Equal(7, lines.Single(l => l.Index == 7).Seed);
        Assert.All(service.Bodies, b => Assert.Equal("url", b.GetProperty("response_format").GetString()));

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "out", ReplayFiles.Summary)));
        Assert.True(summary.RootElement.GetProperty("acceptance").GetProperty("passed").GetBoolean());
        Assert.Equal(30, summary.RootElement.GetProperty("cache_on").GetProperty("requests").GetProperty("succeeded").GetInt32());
        foreach (var plot in new[] { ReplayFiles.HitRatePlot, ReplayFiles.LatencyCdfPlot })
            Assert.NotNull(SKBitmap.Decode(Path.Combine(directory, "out", plot)));
        Assert.Contains("Acceptance: PASSED", output.ToString());
        Assert.Contains("cache on 30/30", progress.ToString());
    }

    [Fact]
    public async Task A_counter_the_server_reports_differently_fails_the_replay_loudly()
    {
        var service = new FakeService { SkewOk = 1 };
        await using var server = await TestHttpServer.StartAsync(service.Map);
        using var http = server.CreateClient();

        var report = await Session(server, http).RunAsync("trace.jsonl", Trace(6), false, CancellationToken.None);

        Assert.Equal(ReplayExitCodes.AcceptanceFailed, report.ExitCode);
        Assert.False(report.Summary.Acceptance.Passed);
        Assert.Contains(report.Summary.Acceptance.Failures, f => f.Contains("generation_requests_200") && f.Contains("counted 6") && f.Contains("moved by 7"));
        Assert.Contains("MISMATCH", output.ToString());
        Assert.Contains("Acceptance: FAILED", output.ToString());
    }

    [Fact]
    public async Task Compare_off_replays_again_with_the_cache_off_into_its_own_file()
    {
        var service = new FakeService();
        await using var server = await TestHttpServer.StartAsync(service.Map);
        using var http = server.CreateClient();

        var report = await Session(server, http, o => o with { CompareOff = true, Steps = 4 })
            .RunAsync("trace.jsonl", Trace(9), false, CancellationToken.None);

        Assert.Equal(ReplayExitCodes.Ok, report.ExitCode);
        Assert.NotNull(report.Summary.CacheOff);
        Assert.Equal(3, report.Summary.CacheOn.Cache.Hits);
        Assert.Equal(0, report.Summary.CacheOff!.Cache.Hits);
        Assert.Equal("off", report.Summary.CacheOff.CacheMode);
        Assert.Equal(9, service.Bodies.Count(b => b.TryGetProperty("cache", out var c) && c.GetString() == "off"));
        Assert.All(service.Bodies, b => Assert.Equal(4, b.GetProperty("steps").GetInt32()));
        var off = await RequestLogReader.ReadAsync(Path.Combine(directory, "out", ReplayFiles.RequestsCacheOff), CancellationToken.None);
        Assert.Equal(9, off.Count);
        Assert.All(off, r => Assert.Equal("off", r.CacheMode));
        Assert.DoesNotContain(report.Summary.CacheOff.ServerCounters, c => c.Name == CounterNames.CacheMisses);
    }

    [Fact]
    public async Task A_stopped_replay_still_writes_everything_it_got()
    {
        // The stop comes when the third request arrives, not on a clock: a slow machine's first
        // request (the /v1/models probe) must not be what the stop interrupts.
        using var stop = new CancellationTokenSource();
        var service = new FakeService { Work = TimeSpan.FromMilliseconds(150), OnAttempt = n => { if (n == 3) _ = stop.CancelAsync(); } };
        await using var server = await TestHttpServer.StartAsync(service.Map);
        using var http = server.CreateClient();

        var report = await Session(server, http, o => o with { Concurrency = 2 }).RunAsync("trace.jsonl", Trace(40), false, stop.Token);

        var s = report.Summary;
        Assert.Equal(ReplayExitCodes.Interrupted, report.ExitCode);
        Assert.True(s.Interrupted);
        Assert.InRange(s.CacheOn.Requests.Sent, 2, 12);
        Assert.Equal(40, s.CacheOn.Requests.Sent + s.CacheOn.Requests.NotSent);
        Assert.Equal(0, s.CacheOn.Requests.Lost);
        Assert.Equal(s.CacheOn.Requests.Sent, s.CacheOn.Requests.Succeeded);
        Assert.True(s.Acceptance.Passed);
        Assert.Equal(s.CacheOn.Requests.Sent, (await File.ReadAllLinesAsync(Path.Combine(directory, "out", ReplayFiles.Requests))).Length);
        Assert.True(File.Exists(Path.Combine(directory, "out", ReplayFiles.Summary)));
        Assert.Contains("Interrupted", output.ToString());
    }

    [Fact]
    public async Task An_output_directory_with_an_earlier_replay_is_refused_before_sending()
    {
        var service = new FakeService();
        await using var server = await TestHttpServer.StartAsync(service.Map);
        using var http = server.CreateClient();
        Directory.CreateDirectory(Path.Combine(directory, "out"));
        await File.WriteAllTextAsync(Path.Combine(directory, "out", ReplayFiles.Requests), "");

        var error = await Assert.ThrowsAsync<IOException>(() => Session(server, http).RunAsync("t.jsonl", Trace(3), false, CancellationToken.None));
        Assert.Contains("already holds a replay", error.Message);
        Assert.Empty(service.Bodies);
    }
}

using Diffusion.Replay.Arrivals;
using Diffusion.Replay.Client;
using Diffusion.Replay.Records;
using Diffusion.Replay.Running;
using Diffusion.Replay.Tests.Infrastructure;
using Diffusion.Replay.Traces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Replay.Tests;

/// <summary>The runner against a real Kestrel server whose handler counts how many requests it holds at once.</summary>
public sealed class ReplayRunnerTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("replay-runner-").FullName;
    private int current;
    private int peak;
    private int served;
    private int arrivals;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <param name="onArrival">Called with the count of requests received so far, as each arrives.</param>
    private Task<TestHttpServer> StartServerAsync(TimeSpan work, Action<int>? onArrival = null) => TestHttpServer.StartAsync(app =>
        app.MapPost("/v1/images/generations", async (CancellationToken aborted) =>
        {
            onArrival?.Invoke(Interlocked.Increment(ref arrivals));
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref peak, now);
            try
            {
                await Task.Delay(work, aborted);
                var n = Interlocked.Increment(ref served);
                return TestHttpServer.Image($"img_{n}", hit: n % 2 == 0, k: 5);
            }
            finally
            {
                Interlocked.Decrement(ref current);
            }
        }));

    private static IReadOnlyList<TraceRecord> Trace(int count) =>
        Enumerable.Range(0, count).Select(i => new TraceRecord($"prompt {i}", i, $"user{i % 3}", i, null)).ToList();

    [Fact]
    public async Task Never_more_requests_in_flight_than_the_concurrency_and_each_recorded_once()
    {
        await using var server = await StartServerAsync(TimeSpan.FromMilliseconds(60));
        using var http = server.CreateClient();
        var runner = new ReplayRunner(new GenerationClient(http, RetryPolicy.WithRetries(3), TimeProvider.System, TimeSpan.FromSeconds(30)), TimeProvider.System);
        var trace = Trace(24);
        var stats = new LiveStats("test", trace.Count, TimeProvider.System);
        var path = Path.Combine(directory, "requests.jsonl");

        PassResult result;
        using (var log = new RequestLogWriter(path))
            result = await runner.RunAsync(trace, ArrivalSchedules.Immediate(trace.Count),
                new PassSettings("test", false, 4, 3, TimeSpan.FromSeconds(5)), log, stats, CancellationToken.None);

        Assert.Equal(3, peak);   // closed loop: always full, never over
        Assert.Equal(Enumerable.Range(0, 24), result.Records.Select(r => r.Index));
        Assert.All(result.Records, r => Assert.Equal(RequestOutcome.Succeeded, r.Outcome));
        Assert.Equal(24, (await RequestLogReader.ReadAsync(path, CancellationToken.None)).Select(r => r.Index).Distinct().Count());
        Assert.Equal((24, 0, false), (result.Sent, result.NotSent, result.Interrupted));
        Assert.All(result.Records, r => Assert.True(r.LatencyS >= 0.05 && r.FinishedS >= r.SentS && r.SentS >= r.ScheduledS));
        Assert.Equal("prompt 5", result.Records[5].Prompt);
        Assert.Equal("user2", result.Records[5].User);

        var snapshot = stats.Snapshot();
        Assert.Equal((24, 24, 24, 12), (snapshot.Sent, snapshot.Done, snapshot.Succeeded, snapshot.Hits));
        Assert.Equal(0, snapshot.InFlight);
    }

    [Fact]
    public async Task Requests_wait_for_their_due_time()
    {
        await using var server = await StartServerAsync(TimeSpan.Zero);
        using var http = server.CreateClient();
        var runner = new ReplayRunner(new GenerationClient(http, RetryPolicy.WithRetries(3), TimeProvider.System, TimeSpan.FromSeconds(30)), TimeProvider.System);
        var trace = Trace(3);
        var schedule = ArrivalSchedules.FromTimestamps([0, 0.3, 0.6], 1);

        using var log = new RequestLogWriter(Path.Combine(directory, "requests.jsonl"));
        var result = await runner.RunAsync(trace, schedule, new PassSettings("test", false, null, 4, TimeSpan.FromSeconds(5)), log,
            new LiveStats("test", 3, TimeProvider.System), CancellationToken.None);

        Assert.Equal([0, 0.3, 0.6], result.Records.Select(r => r.ScheduledS));
        // never early; late only by timer slack — up to a few hundred ms while other test assemblies load both cores,
        // far below the 10x error of a unit slip (0.3 s read as 3 s)
        Assert.All(result.Records, r => Assert.InRange(r.SentS - r.ScheduledS, -0.001, 1.0));
    }

    [Fact]
    public async Task A_stop_ends_sending_lets_sent_requests_finish_and_records_them()
    {
        await using var server = await StartServerAsync(TimeSpan.FromMilliseconds(300));
        using var http = server.CreateClient();
        var runner = new ReplayRunner(new GenerationClient(http, RetryPolicy.WithRetries(3), TimeProvider.System, TimeSpan.FromSeconds(30)), TimeProvider.System);
        var trace = Trace(20);
        var path = Path.Combine(directory, "requests.jsonl");
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(450));

        PassResult result;
        using (var log = new RequestLogWriter(path))
            result = await runner.RunAsync(trace, ArrivalSchedules.Immediate(trace.Count),
                new PassSettings("test", false, null, 2, TimeSpan.FromSeconds(10)), log, new LiveStats("test", 20, TimeProvider.System), stop.Token);

        Assert.True(result.Interrupted);
        Assert.InRange(result.Sent, 2, 6);
        Assert.Equal(20, result.Sent + result.NotSent);
        // Everything sent was allowed to finish within the drain time, and is in the file.
        Assert.Equal(result.Sent, result.Records.Count);
        Assert.All(result.Records, r => Assert.Equal(RequestOutcome.Succeeded, r.Outcome));
        Assert.Equal(result.Sent, (await RequestLogReader.ReadAsync(path, CancellationToken.None)).Count);
        Assert.Equal(result.Sent, served);
    }

    [Fact]
    public async Task Requests_still_unanswered_after_the_drain_time_are_abandoned_and_recorded()
    {
        // the stop comes once both slots are taken, not after a fixed time a slow machine may not have sent them in
        using var stop = new CancellationTokenSource();
        await using var server = await StartServerAsync(TimeSpan.FromSeconds(30), n =>
        {
            if (n == 2) _ = Task.Run(stop.Cancel);
        });
        using var http = server.CreateClient();
        var runner = new ReplayRunner(new GenerationClient(http, RetryPolicy.WithRetries(3), TimeProvider.System, TimeSpan.FromSeconds(60)), TimeProvider.System);
        var trace = Trace(5);

        using var log = new RequestLogWriter(Path.Combine(directory, "requests.jsonl"));
        var result = await runner.RunAsync(trace, ArrivalSchedules.Immediate(trace.Count),
            new PassSettings("test", false, null, 2, TimeSpan.FromMilliseconds(200)), log, new LiveStats("test", 5, TimeProvider.System), stop.Token);

        Assert.Equal((2, 3), (result.Sent, result.NotSent));
        Assert.All(result.Records, r => Assert.Equal(RequestOutcome.Abandoned, r.Outcome));
        Assert.Equal(2, log.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}

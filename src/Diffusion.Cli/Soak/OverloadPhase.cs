using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Replay.Stats;

namespace Diffusion.Cli.Soak;

/// <summary>What the overload phase showed: admission, back-pressure, latency under overload, and recovery.</summary>
public sealed record OverloadResult(
    double Seconds,
    double RateRps,
    int Sent,
    int Accepted,
    [property: JsonPropertyName("rejected_429")] int Rejected429,
    double? RetryAfterPresent,
    int MaxQueueDepth,
    double? P99AcceptedSeconds,
    double UnloadedP99Seconds,
    double? P99Ratio,
    int FailedAccepted,
    double IdleSeconds,
    IReadOnlyList<double> RecoveryLatencies,
    bool Recovered,
    string RecoveredRule);

/// <summary>
/// After the faults: synchronous requests at 3× capacity for a while (no faults), the queue depth
/// sampled every 250 ms, then an idle pause, then a few sequential requests that should be as fast
/// as in the warm-up again.
/// </summary>
public sealed class OverloadPhase(RequestSender sender, TrafficGenerator traffic, PromptSource prompts, SoakLedger ledger, SoakHttp http,
    SoakProgress progress, SoakClock clock)
{
    public const double Factor = 3;
    public const int RecoveryRequests = 5;

    public async Task<OverloadResult> RunAsync(double seconds, double idleSeconds, WarmUpResult warmUp, int seed, CancellationToken cancellationToken)
    {
        var rate = Factor * warmUp.CapacityRps;
        progress.Line($"overload: {rate:0.00} requests/s (3x capacity) for {seconds:0} s, synchronous only");
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var depth = SampleQueueDepthAsync(stopSampling.Token);
        var sent = await traffic.RunAsync(rate, seconds, SoakPhase.Overload, TrafficMix.SyncOnly, seed, cancellationToken, cancellationToken);
        // Accepted requests still queued finish now; the longest waits are the point of the phase.
        await ledger.WaitAllAsync(RequestSender.SyncTimeout, cancellationToken);
        await stopSampling.CancelAsync();
        var maxDepth = await depth;

        var requests = ledger.InPhase(SoakPhase.Overload).ToArray();
        var accepted = requests.Where(r => r.IsAccepted).ToArray();
        var rejected = requests.Where(r => r.Status == 429).ToArray();
        var latencies = accepted.Where(r => r.Succeeded && r.Latency is not null).Select(r => r.Latency!.Value).Order().ToArray();
        var p99 = Percentiles.Of(latencies, 0.99);
        progress.Line($"overload done: {accepted.Length} accepted, {rejected.Length} refused with 429, queue depth up to {maxDepth}; idle {idleSeconds:0} s");

        await Task.Delay(TimeSpan.FromSeconds(idleSeconds), clock.Time, cancellationToken);
        var recovery = new List<double>();
        var allSucceeded = true;
        for (var i = 0; i < RecoveryRequests; i++)
        {
            var request = await sender.SendSyncAsync(prompts.Next(), SoakPhase.Recovery, cancellationToken);
            allSucceeded &= request.Succeeded;
            if (request.Latency is { } latency) recovery.Add(Math.Round(latency, 3));
        }
        var limit = RecoveryLimit(warmUp);
        var recovered = allSucceeded && recovery.Count == RecoveryRequests && recovery.All(l => l <= limit);
        progress.Line($"recovery: {string.Join(", ", recovery.Select(l => $"{l:0.00} s"))} ({(recovered ? "recovered" : "NOT recovered")}, limit {limit:0.00} s)");

        return new OverloadResult(seconds, Math.Round(rate, 3), sent, accepted.Length, rejected.Length,
            rejected.Length == 0 ? null : Math.Round((double)rejected.Count(r => r.RetryAfter) / rejected.Length, 4),
            maxDepth, p99 is { } p ? Math.Round(p, 3) : null, Math.Round(warmUp.P99Seconds, 3),
            p99 is { } q ? Math.Round(q / warmUp.P99Seconds, 2) : null,
            accepted.Count(r => !r.Succeeded), idleSeconds, recovery, recovered,
            $"all {RecoveryRequests} succeed, each within max(2 x unloaded p99, unloaded p99 + 0.5 s) = {limit:0.000} s");
    }

    /// <summary>"Near unloaded": within twice the warm-up's p99, or half a second above it for very fast services.</summary>
    public static double RecoveryLimit(WarmUpResult warmUp) => Math.Max(2 * warmUp.P99Seconds, warmUp.P99Seconds + 0.5);

    private async Task<int> SampleQueueDepthAsync(CancellationToken cancellationToken)
    {
        var max = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var call = await http.GetAsync("v1/metrics", TimeSpan.FromSeconds(5), CancellationToken.None);
            if (call.Status == 200 && QueueDepth(call.Body) is { } depth) max = Math.Max(max, depth);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), clock.Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return max;
    }

    /// <summary><c>queue.depth</c> of a /v1/metrics answer.</summary>
    public static int? QueueDepth(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("queue", out var queue) && queue.ValueKind == JsonValueKind.Object
                   && queue.TryGetProperty("depth", out var depth) && depth.TryGetInt32(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

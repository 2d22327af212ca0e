using Diffusion.Replay.Stats;

namespace Diffusion.Cli.Soak;

/// <summary>The warm-up's measurements: unloaded latency and the capacity derived from it.</summary>
public sealed record WarmUpResult(int Requests, int Succeeded, double MeanSeconds, double P50Seconds, double P99Seconds, int Workers, double CapacityRps);

/// <summary>
/// Sequential requests against the idle service: the mean answer time is the service time, so the
/// capacity is workers / mean (requests per second the service can finish). The first requests only
/// warm up (JIT, ONNX Runtime's first runs) and are not measured.
/// </summary>
public sealed class CapacityProbe(RequestSender sender, PromptSource prompts)
{
    public async Task<WarmUpResult> RunAsync(int discard, int measured, int workers, CancellationToken cancellationToken)
    {
        for (var i = 0; i < discard; i++) await sender.SendSyncAsync(prompts.Next(), SoakPhase.WarmUp, cancellationToken);
        var latencies = new List<double>();
        for (var i = 0; i < measured; i++)
        {
            var request = await sender.SendSyncAsync(prompts.Next(), SoakPhase.WarmUp, cancellationToken);
            if (request.Succeeded && request.Latency is { } latency) latencies.Add(latency);
        }
        if (latencies.Count < Math.Max(1, measured / 2))
            throw new SoakFailedException($"the warm-up got {latencies.Count} images from {measured} requests; the service is not serving");
        return Summarize(latencies, measured, workers);
    }

    public static WarmUpResult Summarize(IReadOnlyList<double> latencies, int requests, int workers)
    {
        var sorted = latencies.Order().ToArray();
        var mean = sorted.Average();
        return new WarmUpResult(requests, sorted.Length, Math.Round(mean, 4), Math.Round(Percentiles.Of(sorted, 0.5)!.Value, 4),
            Math.Round(Percentiles.Of(sorted, 0.99)!.Value, 4), workers, Math.Round(workers / mean, 4));
    }
}

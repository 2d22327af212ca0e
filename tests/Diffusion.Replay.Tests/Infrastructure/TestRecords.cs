using Diffusion.Replay.Records;

namespace Diffusion.Replay.Tests.Infrastructure;

/// <summary>Request records for tests of the arithmetic that reads them.</summary>
public static class TestRecords
{
    public static RequestRecord Make(int index, RequestOutcome outcome = RequestOutcome.Succeeded, int? status = 200,
        double sent = 0, double latency = 1, bool hit = false, int k = 0, int retries = 0, string? error = null) => new()
    {
        Index = index,
        Prompt = $"prompt {index}",
        User = "u",
        Seed = index,
        CacheMode = "auto",
        ScheduledS = sent,
        SentS = sent,
        FinishedS = sent + latency,
        LatencyS = latency,
        SentAt = DateTimeOffset.UnixEpoch.AddSeconds(sent),
        FinishedAt = DateTimeOffset.UnixEpoch.AddSeconds(sent + latency),
        Outcome = outcome,
        Status = status,
        Error = error ?? (outcome == RequestOutcome.Succeeded ? null : "failed"),
        Attempts = retries + (outcome == RequestOutcome.Failed && status == 429 ? 0 : 1),
        Retries = retries,
        ImageId = outcome == RequestOutcome.Succeeded ? $"img_{index}" : null,
        ImageUrl = null,
        ImageSeed = outcome == RequestOutcome.Succeeded ? index : null,
        Cache = outcome == RequestOutcome.Succeeded ? new CacheResult(hit, hit ? k : 0, hit ? 0.9 : null, hit ? "src" : null) : null,
        Timings = null,
    };
}

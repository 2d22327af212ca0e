using Diffusion.Replay.Records;

namespace Diffusion.Replay.Metrics;

/// <summary>The replay's own counts of one pass, in the terms of the server's counters.</summary>
public sealed record OwnCounts(
    long HttpAttempts, long Answers200, long Answers429, long Succeeded, long Hits, long Misses, long StepsSkipped)
{
    public static OwnCounts From(IReadOnlyList<RequestRecord> records)
    {
        var succeeded = records.Where(r => r.Outcome == RequestOutcome.Succeeded).ToList();
        var hits = succeeded.Where(r => r.Cache?.Hit == true).ToList();
        return new OwnCounts(
            HttpAttempts: records.Sum(r => (long)r.Attempts),
            Answers200: records.Count(r => r.Status == 200),
            Answers429: records.Sum(r => (long)r.Retries),
            Succeeded: succeeded.Count,
            Hits: hits.Count,
            Misses: succeeded.Count - hits.Count,
            StepsSkipped: hits.Sum(r => (long)r.Cache!.K));
    }
}

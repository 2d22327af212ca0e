using System.Globalization;
using Diffusion.Replay.Metrics;
using Diffusion.Replay.Records;
using Diffusion.Replay.Running;

namespace Diffusion.Replay.Stats;

/// <summary>Turns the records of one pass into its <see cref="PassSummary"/>.</summary>
public static class SummaryCalculator
{
    public const string NoAnswer = "no_answer";

    /// <param name="pass">The pass as run.</param>
    /// <param name="logged">Indices with a line in the requests file (read back from disk).</param>
    /// <param name="stepsPerRequest">Steps each request ran before any skipping, when known.</param>
    /// <param name="counters">The comparison with the server's counters.</param>
    public static PassSummary Summarize(
        PassResult pass, IReadOnlySet<int> logged, int? stepsPerRequest, IReadOnlyList<CounterCheck> counters)
    {
        var records = pass.Records;
        var succeeded = records.Where(r => r.Outcome == RequestOutcome.Succeeded).ToList();
        var hits = succeeded.Where(r => r.Cache?.Hit == true).ToList();
        var misses = succeeded.Where(r => r.Cache?.Hit != true).ToList();

        var counts = new RequestCounts(
            Scheduled: pass.Scheduled,
            Sent: pass.Sent,
            Recorded: logged.Count,
            Succeeded: succeeded.Count,
            Failed: records.Count(r => r.Outcome == RequestOutcome.Failed),
            Abandoned: records.Count(r => r.Outcome == RequestOutcome.Abandoned),
            NotSent: pass.NotSent,
            Lost: pass.Sent - logged.Count,
            HttpAttempts: records.Sum(r => r.Attempts));

        var errors = records.Where(r => r.Outcome != RequestOutcome.Succeeded)
            .GroupBy(r => r.Status?.ToString(CultureInfo.InvariantCulture) ?? NoAnswer)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());

        var retries = new RetryCounts(
            Answers429: records.Sum(r => r.Retries),
            RequestsRetried: records.Count(r => r.Retries > 0),
            GaveUp: records.Count(r => r.Outcome == RequestOutcome.Failed && r.Status == 429));

        var histogram = succeeded.GroupBy(r => r.Cache?.Hit == true ? r.Cache.K : 0).OrderBy(g => g.Key)
            .ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count());
        var stepsSaved = hits.Sum(r => (long)r.Cache!.K);
        long? stepsRequested = stepsPerRequest is { } steps ? (long)steps * succeeded.Count : null;
        var cache = new CacheSummary(
            hits.Count, misses.Count, succeeded.Count == 0 ? null : (double)hits.Count / succeeded.Count, histogram,
            stepsSaved, stepsRequested, stepsRequested is > 0 ? (double)stepsSaved / stepsRequested.Value : null,
            succeeded.Where(r => r.Kind is not null).GroupBy(r => r.Kind!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new KindCounts(g.Count(), g.Count(r => r.Cache?.Hit == true), (double)g.Count(r => r.Cache?.Hit == true) / g.Count())));

        var latency = new LatencyBreakdown(Latency(succeeded), Latency(hits), Latency(misses));

        // Throughput over the span from the first send to the last answer.
        var span = records.Count == 0 ? 0 : records.Max(r => r.FinishedS) - records.Min(r => r.SentS);
        var throughput = span > 0 ? succeeded.Count / span : 0;

        return new PassSummary(pass.Settings.Label, pass.Settings.CacheOff ? "off" : "auto", counts, errors, retries, cache,
            latency, pass.Elapsed.TotalSeconds, throughput, counters);
    }

    public static LatencyStats Latency(IEnumerable<RequestRecord> records)
    {
        var sorted = records.Select(r => r.LatencyS).Order().ToArray();
        return new LatencyStats(
            sorted.Length,
            sorted.Length == 0 ? null : sorted.Average(),
            Percentiles.Of(sorted, 0.50),
            Percentiles.Of(sorted, 0.95),
            Percentiles.Of(sorted, 0.99),
            sorted.Length == 0 ? null : sorted[^1]);
    }
}

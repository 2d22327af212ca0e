using System.Text.Json.Serialization;
using Diffusion.Replay.Metrics;

namespace Diffusion.Replay.Stats;

/// <summary>The numbers of one pass, as written to summary.json and printed.</summary>
public sealed record PassSummary(
    string Label,
    string CacheMode,
    RequestCounts Requests,
    IReadOnlyDictionary<string, int> ErrorsByStatus,
    RetryCounts Retries,
    CacheSummary Cache,
    LatencyBreakdown LatencyS,
    double DurationS,
    double ThroughputRps,
    IReadOnlyList<CounterCheck> ServerCounters);

/// <param name="Scheduled">Trace records this pass was to send.</param>
/// <param name="Sent">Requests sent (scheduled minus not sent).</param>
/// <param name="Recorded">Requests with a line in the requests file.</param>
/// <param name="Lost">Sent but without a line: must be 0.</param>
public sealed record RequestCounts(
    int Scheduled, int Sent, int Recorded, int Succeeded, int Failed, int Abandoned, int NotSent, int Lost, int HttpAttempts);

/// <param name="Answers429">429 answers received (each was retried or, beyond the limit, given up).</param>
/// <param name="RequestsRetried">Requests that got at least one 429.</param>
/// <param name="GaveUp">Requests given up after the retry limit.</param>
public sealed record RetryCounts([property: JsonPropertyName("answers_429")] int Answers429, int RequestsRetried, int GaveUp);

/// <param name="Hits">Successful requests the service reported as cache hits.</param>
/// <param name="Misses">Successful requests reported as misses, or without a cache report.</param>
/// <param name="KHistogram">Successful requests by K (steps skipped; 0 = miss), keys as text for JSON.</param>
/// <param name="StepsSaved">Sum of K over hits.</param>
/// <param name="StepsRequested">Steps per request times successful requests, when the step count is known.</param>
/// <param name="ByKind">Successes and hits by the trace's request kind (empty when the trace has no kinds).</param>
public sealed record CacheSummary(
    int Hits, int Misses, double? HitRate, IReadOnlyDictionary<string, int> KHistogram,
    long StepsSaved, long? StepsRequested, double? StepsSavedFraction, IReadOnlyDictionary<string, KindCounts> ByKind);

public sealed record KindCounts(int Succeeded, int Hits, double HitRate);

public sealed record LatencyBreakdown(LatencyStats All, LatencyStats Hit, LatencyStats Miss);

/// <summary>Latency of successful requests in seconds, from first send to final answer; nulls when there are none.</summary>
public sealed record LatencyStats(int Count, double? Mean, double? P50, double? P95, double? P99, double? Max);

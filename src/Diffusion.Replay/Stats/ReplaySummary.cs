namespace Diffusion.Replay.Stats;

/// <summary>summary.json: what was replayed against what, each pass's numbers, and the acceptance verdict.</summary>
public sealed record ReplaySummary(
    string Trace,
    string Server,
    bool InProcess,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    SettingsSummary Settings,
    int TraceRecords,
    bool Interrupted,
    PassSummary CacheOn,
    PassSummary? CacheOff,
    Acceptance Acceptance,
    IReadOnlyList<string> MetricsProblems,
    IReadOnlyDictionary<string, string> Files);

/// <param name="StepsPerRequest">The steps sent, or the server's default when none were sent; null if unknown.</param>
public sealed record SettingsSummary(
    string Arrivals, double? Rate, double TimeScale, int Concurrency, int? Limit, int? Steps, int? StepsPerRequest,
    long Seed, bool CompareOff, int MaxRetries, double DrainTimeoutS, double RequestTimeoutS);

/// <summary>Passed when no sent request is missing from the requests file and every counter the server reports matches.</summary>
public sealed record Acceptance(bool Passed, IReadOnlyList<string> Failures);

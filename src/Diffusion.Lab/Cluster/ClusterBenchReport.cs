using System.Text.Json.Serialization;

namespace Diffusion.Lab.Cluster;

/// <summary>One phase: the trace through the balancer with isolated or shared caches, with or without a kill.</summary>
public sealed record ClusterPhaseResult(
    string Name,
    bool SharedCache,
    int? KilledInstance,
    int Requests,
    int Answered,
    int LostRequests,
    [property: JsonPropertyName("requests_per_instance")] IReadOnlyDictionary<string, int> RequestsPerInstance,
    int Retried,
    int ReplayedAnswers,
    int Hits,
    double HitRate,
    double MeanStepsSkipped,
    [property: JsonPropertyName("hit_rate_by_trace_kind")] IReadOnlyDictionary<string, double> HitRateByTraceKind,
    IReadOnlyList<int> MissedTraceIndices,
    int CrossInstanceHits,
    int HitsOfUnknownOrigin,
    double Seconds,
    double Throughput,
    double LatencyP50Seconds,
    double LatencyP95Seconds,
    long BudgetBytes,
    long PeakStoreBytes,
    long MaxOverBudgetBytes,
    int StoreSamples,
    long? FinalCounterBytes,
    long? FinalSummedBytes,
    long? RedisCommands,
    double? RedisCommandsPerRequest,
    double? RedisBytesPerRequest,
    double? RedisIdleCommandsPerSecond,
    IReadOnlyList<string> LostErrors);

/// <summary><c>bench cluster</c>'s JSON: the keys first, then every phase.</summary>
public sealed record ClusterBenchReport(
    int LostRequests,
    int CrossInstanceHits,
    double SharedHitRate,
    double IsolatedHitRate,
    double SharedMinusIsolatedHitRate,
    double SharedMeanStepsSkipped,
    double IsolatedMeanStepsSkipped,
    long MaxDiskOverBudgetBytes,
    double? RedisCommandsPerRequest,
    double? RedisBytesPerRequest,
    int Instances,
    int RequestsPerPhase,
    int Concurrency,
    string CacheSize,
    string KTable,
    string Machine,
    IReadOnlyList<ClusterPhaseResult> Phases)
{
    public bool NoLostRequests => LostRequests == 0;

    public bool SharingPays => SharedMinusIsolatedHitRate >= 0.10;

    public bool WithinBudget => MaxDiskOverBudgetBytes <= 0;
}

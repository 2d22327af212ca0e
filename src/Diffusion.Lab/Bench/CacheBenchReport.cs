using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Lab.Calibration;

namespace Diffusion.Lab.Bench;

/// <summary>One eviction policy's cache-on replay at the shared budget.</summary>
/// <param name="Accounting">True for a replay without the UNet (same decisions, the cache-off run's latents).</param>
/// <param name="IterationsP50Ratio">Median UNet iterations per request over the median requested steps: the latency ratio the
/// cache would reach if every iteration cost the same and nothing else took time (the floor under latency_p50_ratio).</param>
public sealed record PolicyFigures(string Policy, bool Accounting, double StepsSaved, double HitRate, long Evictions, long MaxUsedBytes,
    IReadOnlyDictionary<int, int> HitsByK, double IterationsP50Ratio);

/// <summary>The policy comparison without generation, and the lookup similarities LCBFU's replay met.</summary>
public sealed record PolicyComparison(IReadOnlyList<PolicyFigures> Policies, TrafficSimilarities Lookups, IReadOnlyList<RequestRow> Requests);

/// <summary>A figure, its bar, and whether it passes.</summary>
public sealed record BenchCheck(string Figure, double Value, string Bar, bool Passed);

/// <summary>Everything <c>bench cache</c> measured, side by side (off vs on), with the bars.</summary>
public sealed record CacheBenchReport
{
    public required string ModelId { get; init; }
    public required string Mode { get; init; }
    public required string KTable { get; init; }

    /// <summary>With adaptive K: the table the cache-on run had learned by its end (null when the table was fixed).</summary>
    public string? LearnedKTable { get; init; }
    public required int Requests { get; init; }
    public required int Measured { get; init; }
    public required double Warmup { get; init; }
    public required long TraceSeed { get; init; }
    public required long BudgetBytes { get; init; }
    public required int Concurrency { get; init; }

    /// <summary>Requests per segment in which the off and on replays alternated (0: one after the other).</summary>
    public int InterleaveRequests { get; init; }
    public required int Steps { get; init; }
    public required float Guidance { get; init; }
    public required double GraceSeconds { get; init; }
    public required bool PerUserTenants { get; init; }

    public required double StepsSaved { get; init; }
    public required double HitRate { get; init; }
    public required IReadOnlyDictionary<int, int> HitsByK { get; init; }
    public required IReadOnlyDictionary<string, double> HitRateByKind { get; init; }

    public required double LatencyP50OffMs { get; init; }
    public required double LatencyP50OnMs { get; init; }
    public required double LatencyP95OffMs { get; init; }
    public required double LatencyP95OnMs { get; init; }
    public double LatencyP50Ratio => LatencyP50OnMs / LatencyP50OffMs;

    /// <summary>The cache-on median's UNet iterations over the full run's: what the latency ratio would be if nothing but iterations took time.</summary>
    public required double IterationsP50Ratio { get; init; }

    public required double AccuracyOff { get; init; }
    public required double AccuracyOn { get; init; }
    public double QualityDrop => AccuracyOff - AccuracyOn;

    /// <summary>Standard error of <see cref="QualityDrop"/> over the measured requests (<see cref="BenchFigures.QualityDropStandardError"/>).</summary>
    public double QualityDropStandardError { get; init; }
    public required IReadOnlyDictionary<string, double> MetricsOff { get; init; }
    public required IReadOnlyDictionary<string, double> MetricsOn { get; init; }
    public required double ClipScoreOff { get; init; }
    public required double ClipScoreOn { get; init; }
    public double ClipScoreDrop => ClipScoreOff - ClipScoreOn;

    public required double LookupOverheadP99 { get; init; }
    public required double LookupP99Ms { get; init; }

    public required long MaxDiskBytes { get; init; }
    public required long Evictions { get; init; }

    public required IReadOnlyList<PolicyFigures> Policies { get; init; }

    /// <summary>Every measured request, cache on beside cache off.</summary>
    public IReadOnlyList<RequestRow> RequestRows { get; init; } = [];

    /// <summary>The cache-on run's lookup similarities (measured requests), for <c>--similarities</c>.</summary>
    [JsonIgnore]
    public TrafficSimilarities? Lookups { get; init; }

    public required double ElapsedMinutes { get; init; }

    // the bars of the cache's current acceptance (the recalibrated cache on a model that draws)
    public const double StepsSavedBar = 0.40;
    public const double StepsSavedGoal = 0.45;
    public const double LatencyRatioBar = 0.70;
    public const double QualityDropBar = 0.01;
    /// <summary>The CLIP score may fall by at most this share of the cache-off score.</summary>
    public const double ClipScoreDropBar = 0.01;
    public const double LookupOverheadBar = 0.05;

    public bool LcbfuBeatsLruAndFifo
    {
        get
        {
            var byName = Policies.Where(p => p.Accounting).ToDictionary(p => p.Policy);
            return byName.TryGetValue("lcbfu", out var lcbfu) && byName.TryGetValue("lru", out var lru) && byName.TryGetValue("fifo", out var fifo)
                && lcbfu.StepsSaved > lru.StepsSaved && lcbfu.StepsSaved > fifo.StepsSaved;
        }
    }

    public IReadOnlyList<BenchCheck> Checks =>
    [
        new("steps_saved", StepsSaved, $"≥ {StepsSavedBar} (goal {StepsSavedGoal})", StepsSaved >= StepsSavedBar),
        new("latency_p50_ratio", LatencyP50Ratio, $"≤ {LatencyRatioBar}", LatencyP50Ratio <= LatencyRatioBar),
        new("quality_drop", QualityDrop, $"≤ {QualityDropBar}", QualityDrop <= QualityDropBar),
        new("clip_score_drop", ClipScoreDrop, $"≤ {ClipScoreDropBar:0%} of {ClipScoreOff:0.0000}", ClipScoreDrop <= ClipScoreDropBar * ClipScoreOff),
        new("lookup_overhead", LookupOverheadP99, $"≤ {LookupOverheadBar}", LookupOverheadP99 <= LookupOverheadBar),
        new("max_disk_bytes", MaxDiskBytes, $"≤ {BudgetBytes} with evictions", MaxDiskBytes <= BudgetBytes && Evictions > 0),
        new("lcbfu_beats_lru_fifo", LcbfuBeatsLruAndFifo ? 1 : 0, "LCBFU saves more steps than LRU and FIFO", LcbfuBeatsLruAndFifo),
    ];

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The policy comparison alone, in the same form as the report's <c>policies</c>.</summary>
    public static string PoliciesToJson(PolicyComparison comparison) =>
        JsonSerializer.Serialize(new { comparison.Policies, RequestRows = comparison.Requests }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Cache.Adaptive;

namespace Diffusion.Lab.Evaluation.AdaptiveK;

/// <summary>What <c>eval adaptive-k</c> measured: per system and phase (before and after the shift), and the adaptive table's state.</summary>
public sealed record AdaptiveKReport
{
    public const string Fixed = "fixed", Adaptive = "adaptive", Before = "before_shift", After = "after_shift";

    [JsonPropertyName("configuration")] public required AdaptiveKConfiguration Configuration { get; init; }

    /// <summary>System → phase → figures.</summary>
    [JsonPropertyName("systems")] public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, PhaseFigures>> Systems { get; init; }

    /// <summary>Rolling figures (one point per request window) for the plot.</summary>
    [JsonPropertyName("curves")] public required IReadOnlyDictionary<string, IReadOnlyList<CurvePoint>> Curves { get; init; }

    /// <summary>The adaptive table as learned by the shift and at the end.</summary>
    [JsonPropertyName("learned_at_shift")] public required string LearnedAtShift { get; init; }

    [JsonPropertyName("learned_at_end")] public required string LearnedAtEnd { get; init; }

    [JsonPropertyName("adaptive_state")] public required AdaptiveKSnapshot? AdaptiveState { get; init; }

    /// <summary>After the shift: adaptive saves more steps than fixed at an equal or lower CLIP-score drop (within one standard error).</summary>
    [JsonPropertyName("adaptive_beats_fixed_after_shift")] public bool AdaptiveBeatsFixedAfterShift { get; init; }

    [JsonPropertyName("date")] public required string Date { get; init; }

    [JsonPropertyName("elapsed_minutes")] public double ElapsedMinutes { get; init; }

    [JsonPropertyName("command")] public string CommandLine { get; init; } = "";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>A recorded run, to write its page and plot again.</summary>
    public static AdaptiveKReport FromJson(string json) =>
        JsonSerializer.Deserialize<AdaptiveKReport>(json, JsonOptions) ?? throw new InvalidDataException("not an eval adaptive-k report");
}

public sealed record AdaptiveKConfiguration(
    [property: JsonPropertyName("model")] string ModelId,
    [property: JsonPropertyName("requests")] int Requests,
    [property: JsonPropertyName("shift_at")] int ShiftAt,
    [property: JsonPropertyName("before")] string BeforeMix,
    [property: JsonPropertyName("after")] string AfterMix,
    [property: JsonPropertyName("trace_seed")] long TraceSeed,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("guidance")] double Guidance,
    [property: JsonPropertyName("budget_bytes")] long BudgetBytes,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("fixed_table")] string FixedTable,
    [property: JsonPropertyName("tolerance")] double Tolerance,
    [property: JsonPropertyName("min_samples")] int MinSamples,
    [property: JsonPropertyName("window")] int Window,
    [property: JsonPropertyName("explore_rate")] double ExploreRate,
    [property: JsonPropertyName("control_rate")] double ControlRate,
    [property: JsonPropertyName("bucket_edges")] IReadOnlyList<double> BucketEdges,
    [property: JsonPropertyName("curve_window")] int CurveWindow = 60);

/// <summary>
/// One system over one phase, each request compared with the same request (same seed) run with no cache:
/// the drops are means of per-request differences, with their standard errors.
/// </summary>
public sealed record PhaseFigures(
    [property: JsonPropertyName("requests")] int Requests,
    [property: JsonPropertyName("steps_saved")] double StepsSaved,
    [property: JsonPropertyName("hit_rate")] double HitRate,
    [property: JsonPropertyName("clip_score")] double ClipScore,
    [property: JsonPropertyName("clip_drop")] double ClipDrop,
    [property: JsonPropertyName("clip_drop_se")] double ClipDropStandardError,
    [property: JsonPropertyName("judge_accuracy")] double JudgeAccuracy,
    [property: JsonPropertyName("judge_drop")] double JudgeDrop,
    [property: JsonPropertyName("judge_drop_se")] double JudgeDropStandardError);

/// <summary>The figures of the <see cref="AdaptiveKEvaluationOptions.Window"/> requests ending at <see cref="Request"/>.</summary>
public sealed record CurvePoint(
    [property: JsonPropertyName("request")] int Request,
    [property: JsonPropertyName("steps_saved")] double StepsSaved,
    [property: JsonPropertyName("clip_drop")] double ClipDrop);

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Lab.Evaluation;

/// <summary>What every system shared: the trace, the budget, the generation settings, and each approximate cache's table.</summary>
public sealed record EvaluationConfiguration
{
    public required string ModelId { get; init; }
    public required int Requests { get; init; }
    public required int Measured { get; init; }
    public required double Warmup { get; init; }
    public required long TraceSeed { get; init; }

    /// <summary>Users of the trace when set; null: derived from the real logs.</summary>
    public int? Users { get; init; }
    public required long BudgetBytes { get; init; }
    public required int Concurrency { get; init; }
    public required int Steps { get; init; }
    public required float Guidance { get; init; }
    public required string Scheduler { get; init; }
    public required double GptcacheThreshold { get; init; }
    public required double LcbfuGraceSeconds { get; init; }
    public required string NirvanaKTable { get; init; }
    public required string OursMode { get; init; }
    public required string OursKTable { get; init; }

    /// <summary>k-table.json's own note (how it was made).</summary>
    public required string OursKTableNote { get; init; }

    /// <summary>The steps every <c>fewer_steps</c> request ran: the full count less <c>ours</c>' share of steps saved.</summary>
    public int FewerStepsSteps { get; init; }

    /// <summary>The within-request reuse threshold of <c>within_request</c> and <c>ours+within</c>.</summary>
    public double OutputReuseThreshold { get; init; }

    public string ExactKey { get; init; } = "prompt text (ordinal) + model id + size + scheduler + steps + guidance; not the seed";
    public string ImageBudgetAccounting { get; init; } = "an image costs 3·H·W bytes (8-bit RGB) plus 4 bytes per embedding dimension (gptcache); LRU eviction";
    public string LatentBudgetAccounting { get; init; } = "latent files on disk as the store writes them; LCBFU eviction";
}

/// <summary>
/// Whether ours beats nirvana: more steps saved, at judge accuracy within one standard error of theirs or better (the
/// bar the cache is held to: with 120 requests, a real loss smaller than that cannot be told from the trace's luck).
/// </summary>
/// <param name="SameTable">The two approximate caches used the same table and mode: any difference is not the table's.</param>
/// <param name="AccuracyGapStandardError">The standard error of the accuracy difference: both systems' errors combined.</param>
public sealed record OursVersusNirvana(double OursStepsSaved, double NirvanaStepsSaved, double OursAccuracy, double NirvanaAccuracy, bool SameTable,
    double AccuracyGapStandardError = 0)
{
    public bool SavesMoreSteps => OursStepsSaved > NirvanaStepsSaved;

    public bool AccuracyAtLeastEqual => OursAccuracy >= NirvanaAccuracy;

    public bool AccuracyWithinOneStandardError => OursAccuracy >= NirvanaAccuracy - AccuracyGapStandardError;

    public bool Beats => SavesMoreSteps && AccuracyWithinOneStandardError;
}

/// <summary>Everything <c>eval cache</c> measured: the systems side by side on one trace.</summary>
public sealed record CacheEvaluationReport
{
    /// <summary>By system name, in <see cref="CacheSystems.Names"/> order.</summary>
    public required IReadOnlyDictionary<string, SystemFigures> Systems { get; init; }

    public required EvaluationConfiguration Configuration { get; init; }

    /// <summary>When the run finished, UTC, ISO 8601.</summary>
    public required string Date { get; init; }

    /// <summary>How to reproduce it (set by the CLI).</summary>
    public string? CommandLine { get; init; }

    public required double ElapsedMinutes { get; init; }

    public OursVersusNirvana OursVersusNirvana
    {
        get
        {
            var ours = Systems[CacheSystems.Ours];
            var nirvana = Systems[CacheSystems.Nirvana];
            return new OursVersusNirvana(ours.StepsSaved, nirvana.StepsSaved, ours.JudgeAccuracy, nirvana.JudgeAccuracy,
                Configuration.OursMode == "prompt-to-prompt" && Configuration.OursKTable == Configuration.NirvanaKTable,
                StandardErrors.OfDifference(ours.JudgeAccuracyStandardError, nirvana.JudgeAccuracyStandardError));
        }
    }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>A report written by <see cref="ToJson"/>; the per-request latencies are not in it.</summary>
    /// <exception cref="InvalidDataException">The text is not such a report.</exception>
    public static CacheEvaluationReport FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<CacheEvaluationReport>(json, JsonOptions) ?? throw new InvalidDataException($"{source} holds no eval cache report.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not an eval cache report: {e.Message}");
        }
    }
}

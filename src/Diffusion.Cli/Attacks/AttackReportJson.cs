using System.Text.Json;
using System.Text.Json.Nodes;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// The bench's JSON: for each figure a <c>defended</c> and an <c>undefended</c> value (null when that run was
/// skipped, or a median of no samples), the goals, and the trial counts behind them.
/// </summary>
public static class AttackReportJson
{
    public static string Write(AttackBenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var s = result.Settings;
        var on = result.Defended;
        var off = result.Undefended;
        JsonObject Pair(Func<ModeResult, double?> figure) => new() { ["defended"] = Num(on, figure), ["undefended"] = Num(off, figure) };

        var root = new JsonObject
        {
            ["bench"] = "attacks",
            ["started_utc"] = result.Started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["run_seconds"] = Round(result.Seconds, 1),
            ["settings"] = new JsonObject
            {
                ["models"] = s.ModelsDirectory,
                ["steps"] = s.Steps,
                ["candidates"] = s.Candidates,
                ["stealing_trials"] = s.StealingTrials,
                ["covert_symbols"] = s.CovertSymbols,
                ["poisoning_requests"] = s.PoisoningRequests,
                ["benign_tenants"] = s.BenignTenants,
                ["benign_prompts"] = s.BenignPrompts,
                ["calibration_pairs"] = s.CalibrationPairs,
                ["two_key_stealing_trials"] = s.SybilStealingTrials,
                ["two_key_poisoning_requests"] = s.SybilPoisoningRequests,
                ["corroboration"] = s.Corroboration is { } c ? c : "service default",
                ["victim_cache"] = s.VictimCache,
                ["seed"] = s.Seed,
            },
        };

        var stealing = Pair(m => m.Stealing.MeanScore);
        stealing["chance"] = Round(result.Chance);
        stealing["goal_defended_at_most"] = Round(result.Chance + AttackBenchResult.StealingMargin);
        stealing["goal_met"] = result.StealingGoalMet;
        stealing["trials"] = s.StealingTrials;
        stealing["candidates"] = s.Candidates;
        stealing["standard_error"] = Pair(m => m.Stealing.StandardError);
        stealing["secret_in_looked_cached_set"] = Pair(m => m.Stealing.SecretInSet);
        stealing["empty_sets"] = Pair(m => m.Stealing.EmptySets);
        stealing["mean_set_size"] = Pair(m => m.Stealing.MeanSetSize);
        stealing["looked_cached_by_latency_alone"] = Pair(m => m.Stealing.ByLatencyShare);
        root["prompt_stealing"] = stealing;

        var rate = Pair(m => m.Covert.BitsPerHour);
        rate["goal_defended_at_most"] = AttackBenchResult.CovertGoalBitsPerHour;
        rate["goal_met"] = result.CovertGoalMet;
        rate["above_chance"] = Pair(m => m.Covert.BitsPerHourAboveChance);
        root["covert_channel_bits_per_hour"] = rate;
        root["covert_channel"] = new JsonObject
        {
            ["symbols"] = s.CovertSymbols,
            ["defended"] = on is null ? null : Channel(on.Covert),
            ["undefended"] = off is null ? null : Channel(off.Covert),
        };

        var poisoning = Pair(m => m.Poisoning.Direct.Share);
        poisoning["goal_defended_at_most"] = AttackBenchResult.PoisoningGoal;
        poisoning["goal_met"] = result.PoisoningGoalMet;
        poisoning["undefended_above_zero"] = result.PoisoningUndefendedAboveZero;
        poisoning["victim_requests"] = s.PoisoningRequests;
        poisoning["poisoned_requests"] = Pair(m => m.Poisoning.Direct.Poisoned);
        poisoning["planted"] = Pair(m => m.Poisoning.Planted);
        poisoning["plants_stored"] = Pair(m => m.Poisoning.PlantsStored);
        poisoning["transitive"] = Pair(m => m.Poisoning.Transitive.Share);
        poisoning["upper_95"] = Pair(m => Scoring.BinomialBound.Upper(m.Poisoning.Direct.Poisoned, m.Poisoning.Direct.Requests));
        root["poisoning"] = poisoning;

        root["two_keys"] = on is null ? null : new JsonObject
        {
            ["note"] = "the attacker holds two keys (two tenants); defended run only",
            ["prompt_stealing"] = on.SybilStealing is { } ss
                ? new JsonObject { ["score"] = Round(ss.MeanScore), ["chance"] = Round(ss.Chance), ["trials"] = ss.Trials.Count }
                : null,
            ["poisoning"] = on.SybilPoisoning is { } sp
                ? new JsonObject { ["share"] = Round(sp.Direct.Share), ["poisoned_requests"] = sp.Direct.Poisoned, ["victim_requests"] = sp.Direct.Requests }
                : null,
        };

        root["cost"] = new JsonObject
        {
            ["shared_hit_latency_p50_seconds"] = Pair(m => m.Latency.SharedHitP50),
            ["shared_hits"] = Pair(m => m.Latency.SharedHits),
            ["shared_repeat_hit_latency_p50_seconds"] = Pair(m => m.Latency.SharedRepeatHitP50),
            ["shared_repeat_hits"] = Pair(m => m.Latency.SharedRepeatHits),
            ["miss_latency_p50_seconds"] = Pair(m => m.Latency.MissP50),
            ["misses"] = Pair(m => m.Latency.Misses),
            ["shared_hit_client_minus_server_total_p50_seconds"] = Pair(m => m.Latency.SharedHitGapP50),
            ["other_client_minus_server_total_p50_seconds"] = Pair(m => m.Latency.OtherGapP50),
            ["benign_requests"] = s.BenignTenants * s.BenignPrompts,
            ["benign_hit_rate"] = Pair(m => m.Benign.HitRate),
            ["benign_shared_hit_rate"] = Pair(m => m.Benign.SharedHitRate),
            ["benign_steps_saved"] = Pair(m => m.Benign.StepsSaved),
        };

        root["calibration"] = Pair2(on, off, m => new JsonObject
        {
            ["thief"] = Calibrated(m.ThiefCalibration),
            ["receiver"] = Calibrated(m.ReceiverCalibration),
        });
        root["runs"] = Pair2(on, off, m => new JsonObject { ["requests"] = m.Requests, ["seconds"] = Round(m.Seconds, 1) });
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static JsonObject Channel(CovertResult c) => new()
    {
        ["table"] = new JsonObject
        {
            ["sent0_decoded0"] = c.Table.Sent0Decoded0,
            ["sent0_decoded1"] = c.Table.Sent0Decoded1,
            ["sent1_decoded0"] = c.Table.Sent1Decoded0,
            ["sent1_decoded1"] = c.Table.Sent1Decoded1,
        },
        ["bits_per_symbol"] = Round(c.BitsPerSymbol, 6),
        ["bits_per_symbol_under_independence"] = Round(c.Table.MutualInformationUnderIndependence(), 6),
        ["seconds_per_symbol"] = Round(c.SecondsPerSymbol),
        ["symbols_per_hour"] = Round(c.SymbolsPerHour, 1),
        ["error_rate"] = Round(c.Table.ErrorRate),
        ["fisher_exact_p"] = Round(c.Table.FisherExactPValue(), 6),
    };

    private static JsonObject Calibrated(Calibration c) => new()
    {
        ["repeat_k"] = c.Rule.RepeatK,
        ["threshold_seconds"] = Round(c.Rule.LatencyThresholdSeconds),
        ["own_repeat_hit_p50_seconds"] = Round(c.HitMedianSeconds),
        ["miss_p50_seconds"] = Round(c.MissMedianSeconds),
        ["pairs"] = c.Pairs,
    };

    private static JsonObject Pair2(ModeResult? on, ModeResult? off, Func<ModeResult, JsonObject> node) => new()
    {
        ["defended"] = on is null ? null : node(on),
        ["undefended"] = off is null ? null : node(off),
    };

    private static JsonNode? Num(ModeResult? mode, Func<ModeResult, double?> figure) => mode is null ? null : Round(figure(mode));

    private static JsonNode? Round(double? value, int digits = 4) =>
        value is { } v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, digits)) : null;
}

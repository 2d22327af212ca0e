using System.Globalization;
using System.Text;

namespace Diffusion.Cli.Attacks;

/// <summary>The bench's Markdown report: method of each attack, the figures side by side, the goals, and the costs.</summary>
public static class AttackReportMarkdown
{
    public static string Write(AttackBenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var s = result.Settings;
        var on = result.Defended;
        var off = result.Undefended;
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        string Cell(ModeResult? mode, Func<ModeResult, double?> figure, string format = "0.000") =>
            mode is null ? "—" : figure(mode) is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
        string Met(bool? met) => met switch { true => "met", false => "**not met**", null => "—" };
        string F(double v, string format = "0.000") => v.ToString(format, CultureInfo.InvariantCulture);

        Line("# Attacks on the shared cache pool");
        Line();
        Line($"`./run.sh bench attacks` at {result.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC, " +
             $"{F(result.Seconds / 60, "0.0")} min. Every attack ran against a fresh service (`serve` in a child process on loopback, its own " +
             $"temporary data directory) with `--shared-pool-defences off`, then against a fresh one with `on`" +
             $"{(s.Corroboration is { } c ? $" and `--shared-pool-corroboration {c}`" : "")}. All tenants hold keys with cache scope `shared`. " +
             $"Requests use {s.Steps} steps and the service's other defaults, one at a time; latency is measured by the client. " +
             $"Prompts are canonical emoji-world prompts (`a small cat in the center on a blue striped background`); every trial, symbol and " +
             $"plant draws a (place, colour, texture) no other one uses, from seed {s.Seed}, so both runs see the same prompts.");
        Line();
        Line("| figure | undefended | defended | goal (defended) | |");
        Line("|---|---:|---:|---|---|");
        Line($"| prompt stealing, expected success ({s.StealingTrials} trials, N = {s.Candidates}, chance {F(result.Chance)}) | " +
             $"{Cell(off, m => m.Stealing.MeanScore)} | {Cell(on, m => m.Stealing.MeanScore)} | ≤ {F(result.Chance + AttackBenchResult.StealingMargin)} | {Met(result.StealingGoalMet)} |");
        Line($"| covert channel, bits per hour ({s.CovertSymbols} symbols) | {Cell(off, m => m.Covert.BitsPerHour, "0.0")} | " +
             $"{Cell(on, m => m.Covert.BitsPerHour, "0.0")} | ≤ {F(AttackBenchResult.CovertGoalBitsPerHour, "0")} | {Met(result.CovertGoalMet)} |");
        Line($"| poisoning, share of victim requests ({s.PoisoningRequests} requests) | {Cell(off, m => m.Poisoning.Direct.Share)} | " +
             $"{Cell(on, m => m.Poisoning.Direct.Share)} | ≤ {F(AttackBenchResult.PoisoningGoal, "0.00")}, undefended > 0 | " +
             $"{Met(result.PoisoningGoalMet)}{(result.PoisoningUndefendedAboveZero == false ? ", **undefended 0: attack too weak**" : "")} |");
        Line();

        Line("## Method");
        Line();
        Line("**Calibration.** Each attacker (the thief, the covert receiver) first uses only its own key: for fresh prompts it sends a " +
             "full run stored as a miss would be (`cache: refresh`), then the same prompt again with another seed, which hits its own entry. " +
             "The K of those repeat hits is the *repeat depth*; the latency threshold is the cut that misclassifies the fewest of these " +
             "samples (halfway between two neighbouring ones; of equally good cuts the lowest, as a false \"cached\" costs the attacker " +
             "more). A probe *looks cached by another tenant* when its response says `hit` and `shared` at K ≥ the repeat " +
             "depth (a near prompt gets a smaller K), or, when the response says no hit, when it was faster than the threshold. A hit " +
             "on its own entry counts as no: the lookup prefers the deepest K, so another tenant's entry of the same prompt would have won.");
        Line();
        Line($"**Prompt stealing.** Each trial draws a new family (place, size, background) and {s.Candidates} different objects: " +
             $"{s.Candidates} candidate prompts no earlier trial used. The victim sends one at random (`cache: {s.VictimCache}`); the " +
             "thief probes all of them in random order with fresh seeds. With S the candidates that looked cached, the trial scores " +
             "the expected success of guessing uniformly within S: 1/|S| if the secret is in S, 0 if not, 1/N if S is empty. The " +
             "figure is the mean over trials; a signal-free attacker scores exactly 1/N.");
        if (s.VictimCache == "refresh")
        {
            Line();
            Line("The victim's request is stored as a full run (`cache: refresh`), as any miss is. In this cache a request that hits is " +
                 "stored with its source's lineage and afterwards serves only repeats of that source's prompt (the lineage check), so a " +
                 "victim whose request hit leaks less; the bench tests the case the attacks need, the secret stored as a fresh entry. " +
                 "`--victim-cache auto` measures the other.");
        }
        Line();
        Line($"**Covert channel.** Sender and receiver agree on {s.CovertSymbols} fresh prompts and a balanced, shuffled bit string. For a 1 " +
             "the sender sends the symbol's prompt (`cache: refresh`), for a 0 nothing; the receiver then probes it and decodes 1 when " +
             "it looks cached. The rate is the mutual information between sent and decoded bits (plug-in, from the 2×2 table; exactly 0 " +
             "when every decoded bit is the same) times the symbols per hour (3600 / the exchange's wall time per symbol). The plug-in " +
             "estimate is biased upwards on few symbols: a single noisy decode among 64 symbols gives about 0.016 bits per symbol, " +
             "tens of bits per hour, though it carries no evidence; so the table, Fisher's exact test and the estimate less its " +
             "mean under independence (same margins) are given too.");
        Line();
        Line($"**Poisoning.** For each of the victim's {s.PoisoningRequests} prompts (fresh families, size small or large) the planter " +
             "first stores, as a full run, the same object, place and background at the medium size, i.e. without the size word " +
             "(`a cat …` next to `a small cat …`). Then the victim sends its prompts (`cache: auto`). From the image sidecars (the " +
             "unredacted cache reports), a victim request is poisoned when its run started from an entry the planter's runs were stored " +
             "as; *through chains* also counts a start from an entry whose own run started from a planted one. None poisoned of " +
             $"{s.PoisoningRequests} bounds the rate below {F(Scoring.BinomialBound.Upper(0, s.PoisoningRequests))} at 95 % confidence; " +
             "showing it below 0.01 at that confidence takes about 300 requests (`--poisoning-requests 300`).");
        Line();
        Line($"**Costs.** Before the attacks, on the fresh pool, {s.BenignTenants} honest tenants each send the same {s.BenignPrompts} " +
             "popular prompts (each prompt by every tenant in turn, fresh seeds, `cache: auto`). Latencies are the medians over every " +
             "request of the run that the response calls a shared hit, or a miss.");
        Line();

        Line("## Details");
        Line();
        Line("| | undefended | defended |");
        Line("|---|---:|---:|");
        Line($"| stealing: standard error of the mean | {Cell(off, m => m.Stealing.StandardError)} | {Cell(on, m => m.Stealing.StandardError)} |");
        Line($"| stealing: secret among the hit-looking candidates | {Cell(off, m => m.Stealing.SecretInSet)} | {Cell(on, m => m.Stealing.SecretInSet)} |");
        Line($"| stealing: trials with nothing hit-looking | {Cell(off, m => m.Stealing.EmptySets)} | {Cell(on, m => m.Stealing.EmptySets)} |");
        Line($"| stealing: mean size of the hit-looking set | {Cell(off, m => m.Stealing.MeanSetSize, "0.00")} | {Cell(on, m => m.Stealing.MeanSetSize, "0.00")} |");
        Line($"| stealing: hit-looking candidates that looked so by latency alone | {Cell(off, m => m.Stealing.ByLatencyShare)} | {Cell(on, m => m.Stealing.ByLatencyShare)} |");
        Line($"| covert: table sent→decoded (0→0, 0→1, 1→0, 1→1) | {Table(off)} | {Table(on)} |");
        Line($"| covert: mutual information, bits per symbol | {Cell(off, m => m.Covert.BitsPerSymbol, "0.0000")} | {Cell(on, m => m.Covert.BitsPerSymbol, "0.0000")} |");
        Line($"| covert: bits per hour above chance (estimate less its mean under independence) | {Cell(off, m => m.Covert.BitsPerHourAboveChance, "0.0")} | {Cell(on, m => m.Covert.BitsPerHourAboveChance, "0.0")} |");
        Line($"| covert: Fisher's exact p | {Cell(off, m => m.Covert.Table.FisherExactPValue(), "0.0000")} | {Cell(on, m => m.Covert.Table.FisherExactPValue(), "0.0000")} |");
        Line($"| covert: seconds per symbol | {Cell(off, m => m.Covert.SecondsPerSymbol)} | {Cell(on, m => m.Covert.SecondsPerSymbol)} |");
        Line($"| poisoning: poisoned / victim requests | {Count(off, m => m.Poisoning.Direct)} | {Count(on, m => m.Poisoning.Direct)} |");
        Line($"| poisoning: 95 % upper bound of the rate (exact binomial) | {Cell(off, m => Scoring.BinomialBound.Upper(m.Poisoning.Direct.Poisoned, m.Poisoning.Direct.Requests))} | {Cell(on, m => Scoring.BinomialBound.Upper(m.Poisoning.Direct.Poisoned, m.Poisoning.Direct.Requests))} |");
        Line($"| poisoning: through chains | {Count(off, m => m.Poisoning.Transitive)} | {Count(on, m => m.Poisoning.Transitive)} |");
        Line($"| poisoning: plants stored / sent | {Stored(off)} | {Stored(on)} |");
        Line($"| thief: repeat depth, threshold s (hit p50, miss p50) | {Calibrated(off, m => m.ThiefCalibration)} | {Calibrated(on, m => m.ThiefCalibration)} |");
        Line($"| receiver: repeat depth, threshold s (hit p50, miss p50) | {Calibrated(off, m => m.ReceiverCalibration)} | {Calibrated(on, m => m.ReceiverCalibration)} |");
        Line($"| requests, minutes | {Run(off)} | {Run(on)} |");
        Line();

        Line("## What the defences cost");
        Line();
        Line("| | undefended | defended |");
        Line("|---|---:|---:|");
        Line($"| latency p50 of shared hits, s (count) | {Lat(off, m => (m.Latency.SharedHitP50, m.Latency.SharedHits))} | {Lat(on, m => (m.Latency.SharedHitP50, m.Latency.SharedHits))} |");
        Line($"| latency p50 of shared hits at the repeat depth, s (count) | {Lat(off, m => (m.Latency.SharedRepeatHitP50, m.Latency.SharedRepeatHits))} | {Lat(on, m => (m.Latency.SharedRepeatHitP50, m.Latency.SharedRepeatHits))} |");
        Line($"| latency p50 of misses, s (count) | {Lat(off, m => (m.Latency.MissP50, m.Latency.Misses))} | {Lat(on, m => (m.Latency.MissP50, m.Latency.Misses))} |");
        Line($"| client latency minus the response's timings.total, p50 s: shared hits | {Cell(off, m => m.Latency.SharedHitGapP50)} | {Cell(on, m => m.Latency.SharedHitGapP50)} |");
        Line($"| the same, every other request | {Cell(off, m => m.Latency.OtherGapP50)} | {Cell(on, m => m.Latency.OtherGapP50)} |");
        Line($"| benign traffic: hit rate | {Cell(off, m => m.Benign.HitRate)} | {Cell(on, m => m.Benign.HitRate)} |");
        Line($"| benign traffic: started from another tenant's entry | {Cell(off, m => m.Benign.SharedHitRate)} | {Cell(on, m => m.Benign.SharedHitRate)} |");
        Line($"| benign traffic: steps saved | {Cell(off, m => m.Benign.StepsSaved)} | {Cell(on, m => m.Benign.StepsSaved)} |");
        Line();

        if (on?.SybilStealing is not null || on?.SybilPoisoning is not null)
        {
            Line("## An attacker with two keys (defended run)");
            Line();
            Line("Corroboration counts tenants, so an attacker holding a second key can corroborate itself. Stealing: the second key first " +
                 "sends every candidate, so the secret is the one prompt two other tenants have sent. Poisoning: both keys plant every prompt.");
            Line();
            if (on.SybilStealing is { } ss)
                Line($"- prompt stealing: {F(ss.MeanScore)} over {ss.Trials.Count} trials (chance {F(ss.Chance)}), secret among the hit-looking in {F(ss.SecretInSet)} of them");
            if (on.SybilPoisoning is { } sp)
                Line($"- poisoning: {sp.Direct.Poisoned} of {sp.Direct.Requests} victim requests ({F(sp.Direct.Share)}) started from a planted entry");
            Line();
        }
        var findings = AttackFindings.For(result);
        if (findings.Count > 0)
        {
            Line("## Findings");
            Line();
            foreach (var finding in findings) Line($"- {finding}");
            Line();
        }
        return md.ToString();

        string Table(ModeResult? m) => m is null ? "—" : $"{m.Covert.Table.Sent0Decoded0}, {m.Covert.Table.Sent0Decoded1}, {m.Covert.Table.Sent1Decoded0}, {m.Covert.Table.Sent1Decoded1}";
        string Count(ModeResult? m, Func<ModeResult, Scoring.PoisoningCount> count) => m is null ? "—" : $"{count(m).Poisoned} / {count(m).Requests}";
        string Stored(ModeResult? m) => m is null ? "—" : $"{m.Poisoning.PlantsStored} / {m.Poisoning.Planted}";
        string Calibrated(ModeResult? m, Func<ModeResult, Calibration> c) => m is null ? "—"
            : $"{c(m).Rule.RepeatK}, {F(c(m).Rule.LatencyThresholdSeconds)} ({F(c(m).HitMedianSeconds)}, {F(c(m).MissMedianSeconds)})";
        string Run(ModeResult? m) => m is null ? "—" : $"{m.Requests}, {F(m.Seconds / 60, "0.0")}";
        string Lat(ModeResult? m, Func<ModeResult, (double? P50, int Count)> figure) => m is null ? "—"
            : figure(m) is { P50: { } p } f ? $"{F(p)} ({f.Count})" : "n/a (0)";
    }
}

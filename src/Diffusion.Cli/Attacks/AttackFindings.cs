using System.Globalization;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// What the figures say beyond the goal table, each stated only when the run's own numbers show it: goals missed,
/// the two-key attacks, noise in the latency decisions, and padding that shows against the response's own clock.
/// </summary>
public static class AttackFindings
{
    /// <summary>A gap (client latency minus timings.total) this much above the other requests' counts as visible padding.</summary>
    public const double VisibleGapSeconds = 0.02;

    public static IReadOnlyList<string> For(AttackBenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var findings = new List<string>();
        var on = result.Defended;
        var off = result.Undefended;
        static string F(double v, string format = "0.000") => v.ToString(format, CultureInfo.InvariantCulture);

        if (result.StealingGoalMet == false)
            findings.Add($"Prompt stealing against the defended pool scores {F(on!.Stealing.MeanScore)}, above chance + {F(AttackBenchResult.StealingMargin, "0.00")} " +
                         $"(standard error {F(on.Stealing.StandardError)}).");
        if (result.CovertGoalMet == false)
            findings.Add($"The covert channel against the defended pool estimates {F(on!.Covert.BitsPerHour, "0.0")} bits/hour " +
                         $"({F(on.Covert.BitsPerHourAboveChance, "0.0")} above chance, Fisher p {F(on.Covert.Table.FisherExactPValue(), "0.000")}).");
        if (result.PoisoningGoalMet == false)
            findings.Add($"{on!.Poisoning.Direct.Poisoned} of {on.Poisoning.Direct.Requests} victim requests started from a planted entry despite the defences.");
        if (result.PoisoningUndefendedAboveZero == false)
            findings.Add("No victim request started from a planted entry even without defences: the plants are too far from the victim's prompts to test anything.");

        if (on?.SybilStealing is { } sybil && sybil.MeanScore > sybil.Chance + AttackBenchResult.StealingMargin
            || on?.SybilPoisoning is { Direct.Share: > AttackBenchResult.PoisoningGoal })
        {
            findings.Add("Corroboration counts tenants, and one attacker can hold several keys: with two keys it corroborates itself. " +
                         $"Two-key stealing scored {(on.SybilStealing is { } s ? F(s.MeanScore) : "—")} and two-key poisoning reached " +
                         $"{(on.SybilPoisoning is { } p ? F(p.Direct.Share) : "—")} against the defended pool. Counting tenants only stops an " +
                         "attacker whose keys are scarcer than the corroboration number.");
        }

        if (on is not null && on.Stealing.Trials.Sum(t => t.ByLatency.Count) is var latencyLooks and > 0
            && latencyLooks == on.Stealing.Trials.Sum(t => t.LookedCached.Count))
        {
            findings.Add($"Against the defended pool every hit-looking probe looked so by latency alone ({latencyLooks} {(latencyLooks == 1 ? "probe" : "probes")} whose responses said miss " +
                         "but came back under the threshold): noise from the machine's load, not a signal, since a response that says miss is one. " +
                         "It adds variance to the stealing score, not bias (a guess among them is right 1/N of the time on average).");
        }

        if (on?.Latency is { SharedHitGapP50: { } gap, OtherGapP50: { } other } && gap - other > VisibleGapSeconds)
        {
            findings.Add($"The padding is added after the service's clock stops: client latency minus the response's timings.total is {F(gap)} s " +
                         $"(p50) for defended shared hits and {F(other)} s for other requests, so a client can tell a padded shared hit " +
                         "from a miss by the response's own timings. Today the response also says `shared: true`, so this adds nothing; " +
                         "it would matter if that flag were hidden.");
        }
        if (on?.Latency is { SharedRepeatHitP50: { } padded, MissP50: { } miss } && off?.Latency is { SharedRepeatHitP50: { } unpadded })
        {
            findings.Add($"Padding costs shared hits their speed: at the repeat depth their p50 latency is {F(padded)} s defended against " +
                         $"{F(unpadded)} s undefended (misses: {F(miss)} s).");
        }
        return findings;
    }
}

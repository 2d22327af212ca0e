using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// One trial: which candidate the victim sent, which looked cached to the attacker (and of those, which only by
/// latency, the response showing no hit), and the trial's expected success.
/// </summary>
public sealed record StealingTrial(IReadOnlyList<string> Candidates, int Secret, IReadOnlyList<int> LookedCached, double Score)
{
    public IReadOnlyList<int> ByLatency { get; init; } = [];
}

public sealed record StealingResult(IReadOnlyList<StealingTrial> Trials, int Candidates)
{
    public double MeanScore => Trials.Count == 0 ? double.NaN : Trials.Average(t => t.Score);

    public double Chance => TieBreakingGuess.Chance(Candidates);

    /// <summary>Share of trials whose set of hit-looking candidates held the secret.</summary>
    public double SecretInSet => Trials.Count == 0 ? double.NaN : Trials.Average(t => t.LookedCached.Contains(t.Secret) ? 1.0 : 0.0);

    /// <summary>Share of trials where nothing looked cached (the attacker guessed blind).</summary>
    public double EmptySets => Trials.Count == 0 ? double.NaN : Trials.Average(t => t.LookedCached.Count == 0 ? 1.0 : 0.0);

    public double MeanSetSize => Trials.Count == 0 ? double.NaN : Trials.Average(t => t.LookedCached.Count);

    /// <summary>Of all hit-looking candidates, the share that looked so by latency alone (NaN when there were none).</summary>
    public double ByLatencyShare
    {
        get
        {
            var looked = Trials.Sum(t => t.LookedCached.Count);
            return looked == 0 ? double.NaN : (double)Trials.Sum(t => t.ByLatency.Count) / looked;
        }
    }

    /// <summary>Standard error of <see cref="MeanScore"/> over trials.</summary>
    public double StandardError
    {
        get
        {
            if (Trials.Count < 2) return double.NaN;
            var mean = MeanScore;
            var variance = Trials.Sum(t => (t.Score - mean) * (t.Score - mean)) / (Trials.Count - 1);
            return Math.Sqrt(variance / Trials.Count);
        }
    }
}

/// <summary>
/// Prompt stealing: the victim sends one of N similar prompts (same place, size and background, N different
/// objects), chosen at random; the thief then probes all N, in random order and with fresh seeds, and guesses
/// among those that looked cached by someone else (<see cref="HitRule"/>). Every trial draws a family no earlier
/// trial used, so nothing an earlier trial stored can answer a later one. With an accomplice (a second key the
/// thief holds) the accomplice first sends every candidate too, so the secret is the only one two other tenants
/// have sent: the Sybil test of corroboration.
/// </summary>
public static class PromptStealingAttack
{
    public static async Task<StealingResult> RunAsync(TenantClient victim, TenantClient thief, TenantClient? accomplice, HitRule rule,
        AttackPrompts prompts, int trials, int candidates, string victimCache, AttackLog log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 2);
        var results = new List<StealingTrial>();
        for (var trial = 0; trial < trials; trial++)
        {
            var family = prompts.NextFamily();
            var texts = prompts.Objects(candidates).Select(o => prompts.Prompt(family, o)).ToList();
            var secret = prompts.Random.Next(candidates);
            log.Add(await victim.GenerateAsync(texts[secret], prompts.NextSeed(), victimCache, cancellationToken).ConfigureAwait(false));
            if (accomplice is not null)
            {
                foreach (var text in texts)
                {
                    log.Add(await accomplice.GenerateAsync(text, prompts.NextSeed(), "refresh", cancellationToken).ConfigureAwait(false));
                }
            }
            var order = Enumerable.Range(0, candidates).ToArray();
            prompts.Random.Shuffle(order);
            var looked = new List<int>();
            var byLatency = new List<int>();
            foreach (var index in order)
            {
                var probe = await thief.GenerateAsync(texts[index], prompts.NextSeed(), "auto", cancellationToken).ConfigureAwait(false);
                log.Add(probe);
                if (!rule.LooksCachedByOthers(probe)) continue;
                looked.Add(index);
                if (!probe.Hit) byLatency.Add(index);
            }
            looked.Sort();
            byLatency.Sort();
            var score = TieBreakingGuess.ExpectedSuccess(secret, looked, candidates);
            results.Add(new StealingTrial(texts, secret, looked, score) { ByLatency = byLatency });
            log.Progress($"stealing{(accomplice is null ? "" : " (two keys)")} trial {trial + 1}/{trials}: secret #{secret}, " +
                         $"looked cached [{string.Join(",", looked)}], score {score:0.000}, mean so far {results.Average(r => r.Score):0.000}");
        }
        return new StealingResult(results, candidates);
    }
}

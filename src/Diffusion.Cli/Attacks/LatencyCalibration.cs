using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Cli.Attacks;

/// <summary>What an attacker learned about the service from its own requests before attacking.</summary>
public sealed record Calibration(HitRule Rule, double HitMedianSeconds, double MissMedianSeconds, int Pairs, IReadOnlyList<Probe> Probes);

/// <summary>
/// The attacker's calibration, with its own key only: for fresh prompts, a full run stored as a miss would be
/// (cache refresh), then the same prompt again with another seed (its own repeat hit). The threshold is the cut that
/// best separates the two (<see cref="LatencyThreshold"/>; 0, unused, when none does); the repeat hits' K is the repeat depth a stolen prompt would show.
/// </summary>
public static class LatencyCalibration
{
    public static async Task<Calibration> RunAsync(TenantClient attacker, AttackPrompts prompts, int pairs, AttackLog log,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        var probes = new List<Probe>();
        var misses = new List<double>();
        var hits = new List<double>();
        var repeatK = 0;
        for (var i = 0; i < pairs; i++)
        {
            var prompt = prompts.NextPrompt();
            var miss = await attacker.GenerateAsync(prompt, prompts.NextSeed(), "refresh", cancellationToken).ConfigureAwait(false);
            var repeat = await attacker.GenerateAsync(prompt, prompts.NextSeed(), "auto", cancellationToken).ConfigureAwait(false);
            probes.Add(miss);
            probes.Add(repeat);
            log.Add(miss);
            log.Add(repeat);
            misses.Add(miss.Seconds);
            if (repeat.Hit && !repeat.Shared)
            {
                hits.Add(repeat.Seconds);
                repeatK = Math.Max(repeatK, repeat.K);
            }
        }
        if (hits.Count == 0)
        {
            throw new AttackServiceException($"{attacker.Tenant.Name}: none of {pairs} repeats of its own prompts hit its own entry; the cache is not serving");
        }
        var threshold = LatencyThreshold.Between(hits, misses);
        var calibration = new Calibration(new HitRule(repeatK, threshold), LatencyThreshold.Median(hits), LatencyThreshold.Median(misses), pairs, probes);
        log.Progress($"calibration {attacker.Tenant.Name}: repeat K {repeatK}, own repeat hit p50 {calibration.HitMedianSeconds:0.000} s, " +
                     $"miss p50 {calibration.MissMedianSeconds:0.000} s, threshold {threshold:0.000} s ({hits.Count}/{pairs} repeats hit)" +
                     (threshold > 0 ? "" : ": no cut separates them, so latency is not used"));
        return calibration;
    }
}

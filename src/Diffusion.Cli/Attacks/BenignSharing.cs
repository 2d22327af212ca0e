namespace Diffusion.Cli.Attacks;

public sealed record BenignResult(IReadOnlyList<Probe> Probes, int Steps)
{
    public double HitRate => Probes.Count == 0 ? double.NaN : Probes.Average(p => p.Hit ? 1.0 : 0.0);

    /// <summary>Share of requests that started from another tenant's entry (the response's shared flag).</summary>
    public double SharedHitRate => Probes.Count == 0 ? double.NaN : Probes.Average(p => p.Hit && p.Shared ? 1.0 : 0.0);

    /// <summary>Denoising steps skipped over steps asked for.</summary>
    public double StepsSaved => Probes.Count == 0 ? double.NaN : Probes.Sum(p => p.Hit ? p.K : 0) / (double)(Probes.Count * Steps);
}

/// <summary>
/// What the defences cost honest tenants: several tenants send the same popular prompts (fresh seeds, cache auto),
/// each prompt by every tenant in turn, a different tenant first each time. Run on a fresh service, first.
/// </summary>
public static class BenignSharing
{
    public static async Task<BenignResult> RunAsync(IReadOnlyList<TenantClient> tenants, AttackPrompts prompts, int popularPrompts, int steps,
        AttackLog log, CancellationToken cancellationToken)
    {
        var popular = Enumerable.Range(0, popularPrompts).Select(_ => prompts.NextPrompt()).ToList();
        var probes = new List<Probe>();
        for (var p = 0; p < popular.Count; p++)
        {
            for (var t = 0; t < tenants.Count; t++)
            {
                var tenant = tenants[(p + t) % tenants.Count];
                var probe = await tenant.GenerateAsync(popular[p], prompts.NextSeed(), "auto", cancellationToken).ConfigureAwait(false);
                log.Add(probe);
                probes.Add(probe);
            }
        }
        var result = new BenignResult(probes, steps);
        log.Progress($"benign sharing: {probes.Count} requests, hit rate {result.HitRate:0.000}, from other tenants {result.SharedHitRate:0.000}, " +
                     $"steps saved {result.StepsSaved:0.000}");
        return result;
    }
}

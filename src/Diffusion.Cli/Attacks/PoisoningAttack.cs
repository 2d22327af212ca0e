using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Cli.Attacks;

public sealed record PoisoningResult(PoisoningCount Direct, PoisoningCount Transitive, int Planted, int PlantsStored);

/// <summary>
/// Poisoning: the planter stores, as full runs (cache refresh), one prompt next to each of the victim's likely
/// prompts: the same object, place and background at the medium size, that is without the size word the victim
/// writes ("a cat …" for "a small cat …"). The victim then sends its prompts (cache auto). A victim request is
/// poisoned when its run started from an entry the planter's runs were stored as, read from the sidecars
/// (<see cref="PoisoningShare"/>). With an accomplice (a second key) every plant is also sent by it, so each
/// planted prompt has two tenants behind it: the Sybil test of corroboration.
/// </summary>
public static class PoisoningAttack
{
    public const string PlantSize = "medium";

    public static async Task<PoisoningResult> RunAsync(TenantClient planter, TenantClient? accomplice, TenantClient victim, AttackPrompts prompts,
        int requests, string imagesDirectory, AttackLog log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        var pairs = Enumerable.Range(0, requests).Select(_ =>
        {
            var family = prompts.NextFamily();
            var concept = prompts.Objects(1)[0];
            return (Victim: prompts.Prompt(family, concept), Plant: prompts.Prompt(family, concept, PlantSize));
        }).ToList();

        var attackerEntries = new HashSet<string>(StringComparer.Ordinal);
        var planters = accomplice is null ? new[] { planter } : [planter, accomplice];
        foreach (var (_, plant) in pairs)
        {
            foreach (var client in planters)
            {
                var probe = await client.GenerateAsync(plant, prompts.NextSeed(), "refresh", cancellationToken).ConfigureAwait(false);
                log.Add(probe);
                if (probe.StoredAs is { } entry) attackerEntries.Add(entry);
            }
        }
        var planted = pairs.Count * planters.Length;
        log.Progress($"poisoning{(accomplice is null ? "" : " (two keys)")}: planted {planted}, stored {attackerEntries.Count}");

        var victimImages = new List<string>();
        foreach (var (prompt, _) in pairs)
        {
            var probe = await victim.GenerateAsync(prompt, prompts.NextSeed(), "auto", cancellationToken).ConfigureAwait(false);
            log.Add(probe);
            victimImages.Add(probe.ImageId);
        }

        var sidecars = ImageSidecars.Load(imagesDirectory);
        var sources = victimImages.Select(sidecars.SourceOf).ToList();
        var result = new PoisoningResult(PoisoningShare.Direct(sources, attackerEntries),
            PoisoningShare.Transitive(sources, attackerEntries, sidecars.SourceByEntry), planted, attackerEntries.Count);
        log.Progress($"poisoning{(accomplice is null ? "" : " (two keys)")}: {result.Direct.Poisoned}/{result.Direct.Requests} victim requests " +
                     $"started from a planted entry ({result.Transitive.Poisoned} through chains)");
        return result;
    }
}

namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>How many of the victim's requests started from an attacker's cache entry, out of how many.</summary>
public sealed record PoisoningCount(int Poisoned, int Requests)
{
    public double Share => Requests == 0 ? double.NaN : (double)Poisoned / Requests;
}

/// <summary>
/// Poisoning from the operator's view (the image sidecars' unredacted cache reports): a victim request is poisoned
/// when its run started from an entry the attacker's runs were stored as.
/// </summary>
public static class PoisoningShare
{
    /// <summary>Longest chain of entries followed back; stored hit runs rarely chain more than a few deep.</summary>
    public const int MaxChain = 64;

    /// <param name="victimSources">For each victim request, the entry it started from (null on a miss).</param>
    /// <param name="attackerEntries">The entries the attacker's runs were stored as.</param>
    public static PoisoningCount Direct(IReadOnlyCollection<string?> victimSources, IReadOnlySet<string> attackerEntries)
    {
        ArgumentNullException.ThrowIfNull(victimSources);
        ArgumentNullException.ThrowIfNull(attackerEntries);
        return new(victimSources.Count(s => s is not null && attackerEntries.Contains(s)), victimSources.Count);
    }

    /// <summary>
    /// Also counts a start from an entry whose own run started, directly or through further entries, from an
    /// attacker's entry: its latent still carries the attacker's steps.
    /// </summary>
    /// <param name="sourceOfEntry">For every stored entry, the entry its run started from (null: a full run).</param>
    public static PoisoningCount Transitive(IReadOnlyCollection<string?> victimSources, IReadOnlySet<string> attackerEntries,
        IReadOnlyDictionary<string, string?> sourceOfEntry)
    {
        ArgumentNullException.ThrowIfNull(victimSources);
        ArgumentNullException.ThrowIfNull(attackerEntries);
        ArgumentNullException.ThrowIfNull(sourceOfEntry);
        var poisoned = 0;
        foreach (var source in victimSources)
        {
            var entry = source;
            for (var depth = 0; entry is not null && depth < MaxChain; depth++)
            {
                if (attackerEntries.Contains(entry))
                {
                    poisoned++;
                    break;
                }
                entry = sourceOfEntry.GetValueOrDefault(entry);
            }
        }
        return new(poisoned, victimSources.Count);
    }
}

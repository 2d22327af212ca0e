using Diffusion.CacheStore;

namespace Diffusion.Cache;

/// <summary>
/// The tenants whose entries may serve each other (each opted in), and the corroboration rule that guards it:
/// another tenant's entry serves a requester only when at least <paramref name="Corroboration"/> distinct tenants other
/// than the requester admitted the same prompt. So no single tenant can plant an entry that others start from
/// (poisoning), and a hit tells the requester only that several others sent the prompt, not that one given tenant did
/// (prompt stealing, covert channels). 1 turns the rule off: any member's entry serves every member.
/// </summary>
public sealed record SharedPool(IReadOnlySet<TenantId> Members, int Corroboration)
{
    public bool Includes(TenantId tenant) => Members.Contains(tenant);
}

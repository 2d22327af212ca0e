namespace Diffusion.CacheStore;

/// <summary>A prompt entry as seen by one tenant: lookups with another tenant's key find nothing.</summary>
public readonly record struct CacheEntryKey(TenantId Tenant, CacheEntryId Id)
{
    public override string ToString() => $"{Tenant}/{Id}";
}

/// <summary>One stored latent: the latent entering denoising step <see cref="K"/> of a prompt entry.</summary>
public readonly record struct LatentKey(CacheEntryKey Entry, int K)
{
    public TenantId Tenant => Entry.Tenant;

    public CacheEntryId Id => Entry.Id;

    public override string ToString() => $"{Entry}/k{K}";
}

namespace Diffusion.CacheStore;

/// <summary>The latent store's settings; <see cref="Validate"/> runs at start-up and names every problem.</summary>
public sealed record CacheStoreOptions
{
    /// <summary>Where latent files and the metadata database live (runtime data, never the source tree).</summary>
    public string DataDirectory { get; init; } = Path.Combine("data", "cache");

    /// <summary>Byte budget for latent files on the device, headers included. Configure as "2GB", "512MB", ….</summary>
    public ByteSize MaxBytes { get; init; } = ByteSize.Parse("2GB");

    /// <summary>The largest latent (in values) the store accepts; the budget must hold at least one.</summary>
    public int MaxLatentElements { get; init; } = 4 * 128 * 128;

    /// <summary>Writes waiting for the background writer; when full, new writes are dropped and counted.</summary>
    public int WriteQueueCapacity { get; init; } = 256;

    /// <summary>"lcbfu" (default), "lru" or "fifo".</summary>
    public string EvictionPolicy { get; init; } = "lcbfu";

    /// <summary>How long a new latent is protected from LCBFU eviction (while its hit count is still zero).</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// On a shared device, a latent without metadata younger than this may be another instance's write
    /// in progress, so recovery leaves it alone.
    /// </summary>
    public TimeSpan OrphanGracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest file one latent can need: the budget must be at least this.</summary>
    public long LargestLatentFileBytes =>
        LatentFileFormat.FileLength(MaxLatentElements, LatentFileFormat.MaxRank, new TenantId(new string('t', TenantId.MaxLength)));

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            problems.Add("DataDirectory is empty; give the directory for cached latents (e.g. \"data/cache\").");
        }
        if (MaxLatentElements <= 0)
        {
            problems.Add($"MaxLatentElements is {MaxLatentElements}; it must be positive (e.g. 4*64*64 = 16384).");
        }
        if (MaxBytes.Bytes <= 0)
        {
            problems.Add($"MaxBytes is {MaxBytes.Bytes} bytes; the cache needs a positive budget such as \"2GB\".");
        }
        else if (MaxLatentElements > 0 && MaxBytes.Bytes < LargestLatentFileBytes)
        {
            problems.Add($"MaxBytes {MaxBytes} ({MaxBytes.Bytes} bytes) is smaller than one latent file of up to {MaxLatentElements} values "
                + $"({LargestLatentFileBytes} bytes); raise MaxBytes or lower MaxLatentElements.");
        }
        if (WriteQueueCapacity <= 0)
        {
            problems.Add($"WriteQueueCapacity is {WriteQueueCapacity}; it must be positive.");
        }
        if (EvictionPolicy is null || !EvictionPolicies.Names.Contains(EvictionPolicy.ToLowerInvariant()))
        {
            problems.Add($"EvictionPolicy '{EvictionPolicy}' is unknown; choose one of {string.Join(", ", EvictionPolicies.Names)}.");
        }
        if (GracePeriod < TimeSpan.Zero)
        {
            problems.Add($"GracePeriod is {GracePeriod}; it cannot be negative.");
        }
        if (OrphanGracePeriod < TimeSpan.Zero)
        {
            problems.Add($"OrphanGracePeriod is {OrphanGracePeriod}; it cannot be negative.");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid cache store options: " + string.Join(" ", problems));
        }
    }
}

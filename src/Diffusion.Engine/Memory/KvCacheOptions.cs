namespace Diffusion.Engine.Memory;

/// <summary>Options of the <see cref="KvCacheManager"/>.</summary>
public sealed record KvCacheOptions
{
    /// <summary>Tokens per KV block.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Share full blocks between sequences with the same prefix (automatic prefix caching).</summary>
    public bool EnablePrefixCaching { get; init; } = true;

    public KvCacheOptions Validate()
    {
        if (BlockSize < 1 || BlockSize > 4096)
        {
            throw new ArgumentException($"KvCache: BlockSize must be in 1..4096 tokens (got {BlockSize}).");
        }

        return this;
    }
}

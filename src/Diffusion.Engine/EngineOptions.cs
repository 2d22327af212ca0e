using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine;

/// <summary>Everything the host configures about the engine, validated at start-up.</summary>
public sealed record EngineOptions
{
    /// <summary>The one "device" memory budget shared by LLM KV caches and diffusion latents.</summary>
    public long MemoryBudgetBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Tokens per KV block. 2, not vLLM's 16: with a 128-position LLM whose 48-token instruction is shared, each
    /// sequence owns only ~12–23 tokens, so a half-empty last block of 16 wastes ~30% of KV memory; the sweep of
    /// <c>bench engine</c> (docs/engine-bench.md) finds 2 wastes ~3% with the same or better throughput and an
    /// attention overhead within 10%. Small blocks also fit a diffusion job's latents with less slack.
    /// </summary>
    public int BlockSize { get; init; } = 2;

    public bool EnablePrefixCaching { get; init; } = true;

    /// <summary>Bytes per block when there is no LLM to shape the blocks (diffusion only).</summary>
    public int BlockBytesWithoutLlm { get; init; } = 16 << 10;

    public SchedulerOptions Scheduler { get; init; } = new();

    public EngineOptions Validate()
    {
        if (MemoryBudgetBytes <= 0)
        {
            throw new ArgumentException($"Engine: MemoryBudgetBytes must be positive (got {MemoryBudgetBytes}).");
        }

        if (BlockBytesWithoutLlm < 64 || BlockBytesWithoutLlm % 64 != 0)
        {
            throw new ArgumentException($"Engine: BlockBytesWithoutLlm must be a positive multiple of 64 (got {BlockBytesWithoutLlm}).");
        }

        Scheduler.Validate();
        return this;
    }
}

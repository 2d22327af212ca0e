using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine;

/// <summary>Everything the host configures about the engine, validated at start-up.</summary>
public sealed record EngineOptions
{
    /// <summary>The one "device" memory budget shared by LLM KV caches and diffusion latents.</summary>
    public long MemoryBudgetBytes { get; init; } = 64L << 20;

    /// <summary>Tokens per KV block.</summary>
    public int BlockSize { get; init; } = 16;

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

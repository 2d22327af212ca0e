namespace Diffusion.Engine.Scheduling;

/// <summary>The scheduling policy: batching mode, limits per iteration, fairness, preemption.</summary>
public sealed record SchedulerOptions
{
    public BatchingMode Batching { get; init; } = BatchingMode.IterationLevel;

    public PreemptionMode Preemption { get; init; } = PreemptionMode.Recompute;

    /// <summary>LLM sequences in one iteration.</summary>
    public int MaxLlmSequences { get; init; } = 32;

    /// <summary>LLM tokens (prefill chunks plus decodes) in one iteration.</summary>
    public int MaxTokensPerIteration { get; init; } = 512;

    /// <summary>Diffusion jobs stepped in one iteration (and admitted at once).</summary>
    public int MaxDiffusionBatch { get; init; } = 8;

    /// <summary>Weighted round robin between the kinds when both have work: LLM iterations per round.</summary>
    public int LlmWeight { get; init; } = 1;

    /// <summary>Diffusion iterations per round.</summary>
    public int DiffusionWeight { get; init; } = 1;

    /// <summary>Positions the LLM can hold (its max_position_embeddings); a sequence reaching it ends with Length.</summary>
    public int MaxModelLength { get; init; } = 2048;

    /// <summary>The LLM's end-of-text id (ends a sample unless IgnoreEos); negative when there is none.</summary>
    public int EosTokenId { get; init; } = -1;

    public SchedulerOptions Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException("Scheduler: " + message);
            }
        }

        Require(MaxLlmSequences >= 1, $"MaxLlmSequences must be at least 1 (got {MaxLlmSequences}).");
        Require(MaxTokensPerIteration >= 1, $"MaxTokensPerIteration must be at least 1 (got {MaxTokensPerIteration}).");
        Require(MaxDiffusionBatch >= 1, $"MaxDiffusionBatch must be at least 1 (got {MaxDiffusionBatch}).");
        Require(LlmWeight >= 1 && DiffusionWeight >= 1, "LlmWeight and DiffusionWeight must be at least 1, or a kind could starve.");
        Require(MaxModelLength >= 2, $"MaxModelLength must be at least 2 (got {MaxModelLength}).");
        Require(Enum.IsDefined(Batching) && Enum.IsDefined(Preemption), "unknown batching or preemption mode.");
        return this;
    }
}

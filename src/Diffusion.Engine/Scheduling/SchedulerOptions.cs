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

    /// <summary>Who runs next: <see cref="SchedulingPolicy.Fcfs"/> keeps the original order.</summary>
    public SchedulingPolicy Policy { get; init; } = SchedulingPolicy.Fcfs;

    /// <summary>
    /// Diffusion jobs holding latents in the pool at once under the preemptive policies (LeastSlack, CacheAware):
    /// up to this many are admitted and the policy picks <see cref="MaxDiffusionBatch"/> of them each iteration, so a
    /// job left out is paused at a step boundary with its latent kept. The other policies admit MaxDiffusionBatch.
    /// </summary>
    public int MaxResidentDiffusion { get; init; } = 16;

    /// <summary>
    /// The aging rule of the deadline-aware policies: a batch request is due this long after it arrived. It waits
    /// behind interactive work until it could no longer finish by then if it ran alone, and from then on it goes first,
    /// so under sustained interactive load it ends within about this bound plus its own work. It cannot starve.
    /// </summary>
    public TimeSpan BatchAgingBound { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The aging rule for interactive work that will miss its due time: it waits behind the work that can still make it
    /// until it could no longer finish within this many of its own due windows (due time minus arrival) past its due
    /// time if it ran alone; from then on it goes first. This bounds the interactive tail under overload: without it a
    /// late request waits as long as in-time work keeps arriving. 0 turns the rule off. The default of 1 keeps most of
    /// the attainment the deadline-aware policies gain (docs/engine-bench.md has the sweep over it).
    /// </summary>
    public double LateAgingWindows { get; init; } = 1;

    /// <summary>Weighted round robin between the kinds when both have work: LLM iterations per round.</summary>
    public int LlmWeight { get; init; } = 1;

    /// <summary>Diffusion iterations per round.</summary>
    public int DiffusionWeight { get; init; } = 1;

    /// <summary>Positions the LLM can hold (its max_position_embeddings); a sequence reaching it ends with Length.</summary>
    public int MaxModelLength { get; init; } = 2048;

    /// <summary>The LLM's end-of-text id (ends a sample unless IgnoreEos); negative when there is none.</summary>
    public int EosTokenId { get; init; } = -1;

    /// <summary>Whether a job left out of an iteration keeps its latent in the pool (step-boundary preemption).</summary>
    public bool PausesAtStepBoundaries => Policy is SchedulingPolicy.LeastSlack or SchedulingPolicy.CacheAware;

    /// <summary>Diffusion jobs admitted at once under this policy.</summary>
    public int DiffusionResidentLimit => PausesAtStepBoundaries ? MaxResidentDiffusion : MaxDiffusionBatch;

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
        Require(MaxResidentDiffusion >= MaxDiffusionBatch, $"MaxResidentDiffusion ({MaxResidentDiffusion}) must be at least MaxDiffusionBatch ({MaxDiffusionBatch}).");
        Require(BatchAgingBound > TimeSpan.Zero, "BatchAgingBound must be positive.");
        Require(LateAgingWindows >= 0 && double.IsFinite(LateAgingWindows), $"LateAgingWindows must be 0 or more (got {LateAgingWindows}).");
        Require(Enum.IsDefined(Policy), $"unknown scheduling policy {Policy}.");
        Require(LlmWeight >= 1 && DiffusionWeight >= 1, "LlmWeight and DiffusionWeight must be at least 1, or a kind could starve.");
        Require(MaxModelLength >= 2, $"MaxModelLength must be at least 2 (got {MaxModelLength}).");
        Require(Enum.IsDefined(Batching) && Enum.IsDefined(Preemption), "unknown batching or preemption mode.");
        return this;
    }
}

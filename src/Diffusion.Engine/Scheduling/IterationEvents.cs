namespace Diffusion.Engine.Scheduling;

/// <summary>A token appended to one sample; <see cref="TextDelta"/> is the newly final text (may be empty).</summary>
public sealed record TokenEvent(RequestId Request, int SampleIndex, int TokenId, string TextDelta);

/// <summary>A diffusion job finished a step; <see cref="CompletedSteps"/> counts from 0, so a job that started at K reports K+1 first.</summary>
public sealed record DiffusionStepEvent(RequestId Request, int CompletedSteps, int TotalSteps);

public sealed record LlmSample(int Index, IReadOnlyList<int> Tokens, string Text, FinishReason FinishReason);

/// <summary>A finished LLM request.</summary>
public sealed record LlmCompletion(RequestId Id, IReadOnlyList<LlmSample> Samples, int PromptTokens, int CachedPromptTokens)
{
    internal static LlmCompletion From(LlmSequenceGroup group) => new(
        group.Id,
        group.Sequences.Select(s => new LlmSample(s.SampleIndex, s.OutputTokens.ToArray(), s.Text, s.FinishReason ?? FinishReason.Stop)).ToArray(),
        group.Prompt.Length,
        group.CachedPromptTokens);
}

/// <summary>What one <see cref="IterationScheduler.Update"/> produced, for delivery to callers.</summary>
public sealed class IterationEvents
{
    public List<TokenEvent> Tokens { get; } = new();

    public List<LlmCompletion> FinishedLlm { get; } = new();

    public List<DiffusionStepEvent> DiffusionSteps { get; } = new();

    public List<DiffusionJobResult> FinishedDiffusion { get; } = new();
}

/// <summary>Cumulative scheduler counters, for metrics and the bench.</summary>
public sealed record SchedulerCounters
{
    public long Iterations { get; init; }
    public long LlmIterations { get; init; }
    public long DiffusionIterations { get; init; }
    public long LlmBatchTokens { get; init; }
    public long LlmBatchSequences { get; init; }
    public long DiffusionBatchJobs { get; init; }
    public long RunningRequestsSum { get; init; }
    public long PromptTokensComputed { get; init; }
    public long RecomputedTokens { get; init; }
    public long GeneratedTokens { get; init; }
    public long DiffusionSteps { get; init; }
    public long Preemptions { get; init; }

    /// <summary>Diffusion jobs left out of an iteration after stepping in the one before (paused at a step boundary, latent kept).</summary>
    public long Pauses { get; init; }

    /// <summary>Requests with a due time that finished by it.</summary>
    public long DueMet { get; init; }

    /// <summary>Requests with a due time that finished after it.</summary>
    public long DueMissed { get; init; }
    public long SwapOuts { get; init; }
    public long SwapIns { get; init; }
    public long Aborted { get; init; }
    public long Rejected { get; init; }
    public long FinishedLlm { get; init; }
    public long FinishedDiffusion { get; init; }

    /// <summary>Mean running requests per iteration (the concurrency the bench compares).</summary>
    public double MeanConcurrency => Iterations == 0 ? 0 : (double)RunningRequestsSum / Iterations;

    public double MeanLlmBatchTokens => LlmIterations == 0 ? 0 : (double)LlmBatchTokens / LlmIterations;

    public double MeanLlmBatchSequences => LlmIterations == 0 ? 0 : (double)LlmBatchSequences / LlmIterations;

    public double MeanDiffusionBatch => DiffusionIterations == 0 ? 0 : (double)DiffusionBatchJobs / DiffusionIterations;

    /// <summary>Share of requests with a due time that met it (1 when none had one).</summary>
    public double SloAttainment => DueMet + DueMissed == 0 ? 1 : (double)DueMet / (DueMet + DueMissed);
}

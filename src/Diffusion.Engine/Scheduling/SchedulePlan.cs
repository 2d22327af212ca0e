namespace Diffusion.Engine.Scheduling;

/// <summary>A request the scheduler ended at an iteration boundary without finishing it.</summary>
public sealed record AbortedRequest(RequestId Id, FinishReason Reason, string Message);

/// <summary>
/// What one iteration does, as plain data: the LLM batch and/or the diffusion batch, and which
/// requests were preempted, swapped out or in, or aborted while it was planned.
/// </summary>
public sealed record SchedulePlan(
    long Iteration,
    LlmBatchPlan? Llm,
    DiffusionBatchPlan? Diffusion,
    IReadOnlyList<RequestId> Preempted,
    IReadOnlyList<RequestId> SwappedOut,
    IReadOnlyList<RequestId> SwappedIn,
    IReadOnlyList<AbortedRequest> Aborted)
{
    public bool HasWork => Llm is not null || Diffusion is not null;

    public IEnumerable<RequestId> ScheduledRequests =>
        (Llm?.Sequences.Select(s => s.Request) ?? []).Concat(Diffusion?.Steps.Select(s => s.Request) ?? []).Distinct();
}

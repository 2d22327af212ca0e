using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Scheduling;

/// <summary>Collects one iteration's decisions and the budgets left while the scheduler makes them.</summary>
internal sealed class PlanBuilder(SchedulerOptions options)
{
    private readonly List<ScheduledSequence> _llm = new();
    private readonly HashSet<RequestId> _scheduled = new();

    public int TokenBudget { get; private set; } = options.MaxTokensPerIteration;

    public int SequenceSlots { get; private set; } = options.MaxLlmSequences;

    public List<ScheduledDiffusionStep> DiffusionSteps { get; } = new();

    public LatentShape DiffusionShape { get; set; }

    public List<RequestId> Preempted { get; } = new();

    public List<RequestId> SwappedOut { get; } = new();

    public List<RequestId> SwappedIn { get; } = new();

    public List<AbortedRequest> Aborted { get; } = new();

    public bool HasLlmWork => _llm.Count > 0;

    public bool IsScheduled(RequestId id) => _scheduled.Contains(id);

    public void AddLlm(LlmSequenceGroup group, LlmSequence seq, int start, int count, KvCacheManager kv)
    {
        int[] tokens = seq.Tokens.Skip(start).Take(count).ToArray();
        _llm.Add(new ScheduledSequence(group.Id, seq.Id, start, tokens, kv.CopyBlockTable(seq.Id),
            IsPrefill: start < seq.PromptLength || count > 1,
            ProducesLogits: start + count == seq.Tokens.Count));
        TokenBudget -= count;
        SequenceSlots--;
        _scheduled.Add(group.Id);
    }

    /// <summary>Takes back a request's entries (it was preempted after part of it was scheduled).</summary>
    public void RemoveLlm(RequestId id)
    {
        foreach (ScheduledSequence s in _llm.Where(s => s.Request == id).ToList())
        {
            _llm.Remove(s);
            TokenBudget += s.TokenIds.Length;
            SequenceSlots++;
        }

        _scheduled.Remove(id);
    }

    public void AddDiffusion(DiffusionJob job)
    {
        DiffusionSteps.Add(new ScheduledDiffusionStep(job.Id, job.CurrentStep, job.Spec.TotalSteps, job.Latents!, job.Spec.Conditioning));
        _scheduled.Add(job.Id);
    }

    public SchedulePlan Build(long iteration) => new(
        iteration,
        _llm.Count > 0 ? new LlmBatchPlan(_llm.ToArray()) : null,
        DiffusionSteps.Count > 0 ? new DiffusionBatchPlan(DiffusionShape, DiffusionSteps.ToArray()) : null,
        Preempted.ToArray(),
        SwappedOut.ToArray(),
        SwappedIn.ToArray(),
        Aborted.ToArray());
}

using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Scheduling;

public sealed partial class IterationScheduler
{
    private void ScheduleLlm(PlanBuilder plan)
    {
        bool busy = _llmRunning.Count > 0 || _llmSwapped.Count > 0;
        int preemptedBefore = plan.Preempted.Count;
        ScheduleRunningLlm(plan);
        if (plan.Preempted.Count > preemptedBefore)
        {
            // Memory is short: bring nobody back or in this iteration (vLLM's rule).
            return;
        }

        ResumeSwappedLlm(plan);
        if ((_options.Batching == BatchingMode.RequestLevel && busy) || SwappedCount > 0)
        {
            // Request-level batching: the batch runs to completion before anyone joins. And while a
            // preempted request waits in host memory, newcomers do not take the blocks it needs.
            return;
        }

        AdmitWaitingLlm(plan);
    }

    private void ScheduleRunningLlm(PlanBuilder plan)
    {
        foreach (LlmSequenceGroup group in _llmRunning.InServingOrder(_order))
        {
            if (group.State != RequestState.Running)
            {
                continue; // preempted as a victim earlier in this loop
            }

            foreach (LlmSequence seq in group.Unfinished.ToList())
            {
                if (plan.TokenBudget == 0 || plan.SequenceSlots == 0)
                {
                    return;
                }

                int start = seq.ComputedTokens;
                int count = Math.Min(seq.Tokens.Count - start, plan.TokenBudget);
                if (count <= 0)
                {
                    continue;
                }

                if (!AllocateOrPreempt(group, seq, count, plan))
                {
                    break;
                }

                plan.AddLlm(group, seq, start, count, _kv);
            }
        }
    }

    /// <summary>Allocates slots, preempting others while memory is short. False if the group itself gave way.</summary>
    private bool AllocateOrPreempt(LlmSequenceGroup group, LlmSequence seq, int count, PlanBuilder plan)
    {
        while (true)
        {
            AllocationStatus status = _kv.AllocateSlots(seq.Id, seq.TokenSpan, count);
            if (status == AllocationStatus.Ok)
            {
                return true;
            }

            if (status == AllocationStatus.Never)
            {
                plan.RemoveLlm(group.Id);
                Reject(group, $"{seq.Id} needs more KV blocks than the whole pool ({_kv.Pool.NumBlocks}) holds", plan);
                return false;
            }

            EngineRequest victim = PickVictim(group, plan);
            Preempt(victim, plan);
            if (victim == group)
            {
                return false;
            }
        }
    }

    private void ResumeSwappedLlm(PlanBuilder plan)
    {
        foreach (LlmSequenceGroup group in _llmSwapped.InServingOrder(_order))
        {
            List<LlmSequence> sequences = group.Unfinished.ToList();
            if (plan.SequenceSlots < sequences.Count || plan.TokenBudget < sequences.Count)
            {
                return;
            }

            AllocationStatus status = _kv.SwapIn(group.SwappedBlocks!);
            if (status == AllocationStatus.Later)
            {
                return;
            }

            if (status == AllocationStatus.Never)
            {
                Reject(group, "its swapped blocks no longer fit the pool", plan);
                continue;
            }

            group.SwappedBlocks = null;
            group.State = RequestState.Running;
            _llmSwapped.Remove(group);
            _llmRunning.Add(group);
            plan.SwappedIn.Add(group.Id);
            foreach (LlmSequence seq in sequences)
            {
                int count = Math.Min(seq.Tokens.Count - seq.ComputedTokens, plan.TokenBudget);
                // If a new block is not free now, the group waits for the next iteration, where it
                // competes (and may preempt) like any running request.
                if (count <= 0 || _kv.AllocateSlots(seq.Id, seq.TokenSpan, count) != AllocationStatus.Ok)
                {
                    break;
                }

                plan.AddLlm(group, seq, seq.ComputedTokens, count, _kv);
            }
        }
    }

    private void AdmitWaitingLlm(PlanBuilder plan)
    {
        foreach (LlmSequenceGroup group in _llmWaiting.InServingOrder(_order))
        {
            List<LlmSequence> sequences = group.Unfinished.ToList();
            if (plan.TokenBudget < sequences.Count || plan.SequenceSlots < sequences.Count)
            {
                return;
            }

            int longest = sequences.Max(s => s.Tokens.Count);
            if (_kv.BlocksFor(longest) > _kv.Pool.NumBlocks)
            {
                Reject(group, $"{longest} tokens need more KV blocks than the whole pool ({_kv.Pool.NumBlocks}) holds", plan);
                continue;
            }

            if (!TryAdmit(group, sequences, plan))
            {
                return; // first come first served: nobody overtakes a request that does not fit yet
            }
        }
    }

    private bool TryAdmit(LlmSequenceGroup group, List<LlmSequence> sequences, PlanBuilder plan)
    {
        var admitted = new List<(LlmSequence Seq, int Start, int Count)>();
        int budget = plan.TokenBudget;
        foreach (LlmSequence seq in sequences)
        {
            ReadOnlySpan<int> tokens = seq.TokenSpan;
            int cached = _kv.CountCachedPrefixTokens(tokens);
            int count = Math.Min(tokens.Length - cached, budget);
            if (count <= 0 || _kv.AllocateSlots(seq.Id, tokens, count) != AllocationStatus.Ok)
            {
                foreach ((LlmSequence undo, _, _) in admitted)
                {
                    _kv.Free(undo.Id);
                    undo.ComputedTokens = 0;
                }

                return false;
            }

            seq.ComputedTokens = _kv.GetComputedTokens(seq.Id);
            admitted.Add((seq, seq.ComputedTokens, count));
            budget -= count;
        }

        if (group.FirstScheduledTime is null)
        {
            group.CachedPromptTokens = admitted[0].Start;
        }

        _llmWaiting.Remove(group);
        _llmRunning.Add(group);
        group.State = RequestState.Running;
        foreach ((LlmSequence seq, int start, int count) in admitted)
        {
            plan.AddLlm(group, seq, start, count, _kv);
        }

        return true;
    }
}

namespace Diffusion.Engine.Scheduling;

public sealed partial class IterationScheduler
{
    /// <summary>
    /// The request to preempt so <paramref name="requester"/> can grow: the running request served
    /// last (lowest priority, then newest) that is not already in this iteration's plan — or the
    /// requester itself when it comes last.
    /// </summary>
    private EngineRequest PickVictim(EngineRequest requester, PlanBuilder plan)
    {
        EngineRequest? victim = null;
        IEnumerable<EngineRequest> running = _llmRunning.Cast<EngineRequest>().Concat(_diffusionRunning);
        foreach (EngineRequest candidate in running)
        {
            if (candidate == requester || plan.IsScheduled(candidate.Id))
            {
                continue;
            }

            if (victim is null || _order.Compare(candidate, victim) > 0)
            {
                victim = candidate;
            }
        }

        return victim is null || _order.Compare(requester, victim) > 0 ? requester : victim;
    }

    private void Preempt(EngineRequest victim, PlanBuilder plan)
    {
        plan.Preempted.Add(victim.Id);
        switch (victim)
        {
            case LlmSequenceGroup group:
                plan.RemoveLlm(group.Id);
                _llmRunning.Remove(group);
                if (_options.Preemption == PreemptionMode.Swap)
                {
                    group.SwappedBlocks = _kv.SwapOut(group.Unfinished.Select(s => s.Id).Where(_kv.Contains).ToArray());
                    group.State = RequestState.Swapped;
                    _llmSwapped.Add(group);
                    plan.SwappedOut.Add(group.Id);
                }
                else
                {
                    foreach (LlmSequence seq in group.Unfinished)
                    {
                        _kv.Free(seq.Id);
                        seq.ComputedTokens = 0;
                    }

                    group.State = RequestState.Waiting;
                    _llmWaiting.Add(group);
                }

                break;
            case DiffusionJob job:
                // A job's latents cannot be recomputed cheaply, so diffusion jobs always swap.
                _diffusionRunning.Remove(job);
                _kv.SwapOut(job.Latents!);
                job.State = RequestState.Swapped;
                _diffusionSwapped.Add(job);
                plan.SwappedOut.Add(job.Id);
                break;
            default:
                throw new ArgumentException($"unknown request type {victim.GetType().Name}");
        }
    }
}

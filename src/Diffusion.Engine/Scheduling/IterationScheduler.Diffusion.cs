using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Scheduling;

public sealed partial class IterationScheduler
{
    private void ScheduleDiffusion(PlanBuilder plan)
    {
        bool busy = _diffusionRunning.Count > 0 || _diffusionSwapped.Count > 0;
        ResumeSwappedDiffusion(plan);
        if ((_options.Batching == BatchingMode.IterationLevel || !busy) && SwappedCount == 0)
        {
            AdmitWaitingDiffusion(plan);
        }

        List<DiffusionJob> running = _diffusionRunning.InServingOrder(_order);
        if (running.Count == 0)
        {
            return;
        }

        // Jobs batch by latent shape; the first job in serving order picks the shape.
        plan.DiffusionShape = running[0].Shape;
        foreach (DiffusionJob job in StepSet(running.Where(j => j.Shape == plan.DiffusionShape)))
        {
            plan.AddDiffusion(job);
        }
    }

    /// <summary>
    /// The jobs that step this iteration, in serving order. The pausing policies step a job only when it makes none of
    /// the more urgent ones already chosen miss its due time: where a batch of n costs about n single steps (a CPU),
    /// stepping everyone slows everyone, so urgent jobs run nearly alone and the rest pause with their latents kept.
    /// There, a head with no due time to keep (late, or batch work) steps with the jobs of its own tier only: together
    /// they pay an iteration's fixed part once, which clears them sooner in all and shortens the tail, while a job of
    /// a later tier would only slow them. Where a measured pair costs about two lone steps, company saves nothing, and
    /// the head steps alone, in time or not (its own time is then shortest). The cost model keeps that judgement
    /// current: when a lone step or a pair has not run lately (<see cref="StepCostModel.ProbeDue"/>), the head steps
    /// alone or with at most one companion, chosen by the same rules. Where batching is cheap (a GPU) company costs
    /// little, and only the due times decide.
    /// </summary>
    private List<DiffusionJob> StepSet(IEnumerable<DiffusionJob> candidates)
    {
        if (!_options.PausesAtStepBoundaries)
        {
            return candidates.Take(_options.MaxDiffusionBatch).ToList();
        }

        var chosen = new List<DiffusionJob>();
        var admission = new DueAdmission(_order, _options.MaxDiffusionBatch, chosen);
        DueTier? ownTierOnly = null;
        int limit = _options.MaxDiffusionBatch;
        foreach (DiffusionJob job in candidates)
        {
            if (chosen.Count == limit)
            {
                break;
            }

            if (ownTierOnly is { } tier)
            {
                if (_order.TierOf(job) != tier)
                {
                    break; // tiers are contiguous in serving order
                }

                chosen.Add(job);
                continue;
            }

            if (chosen.Count == 0)
            {
                chosen.Add(job);
                admission.Admit(job);
                if (_costs.BatchingIsCheap)
                {
                    continue;
                }

                CostProbe probe = _costs.ProbeDue;
                if (probe == CostProbe.LoneStep || probe == CostProbe.None && _costs.CompanySavesLittle)
                {
                    break; // a lone step is due, or with (almost) no fixed part per iteration company only slows the head
                }

                if (probe == CostProbe.Pair)
                {
                    limit = Math.Min(limit, 2);
                }

                DueTier headTier = _order.TierOf(job);
                if (headTier != DueTier.InTime)
                {
                    ownTierOnly = headTier;
                }
            }
            else if (!admission.WouldMakeAMiss(job))
            {
                chosen.Add(job);
                admission.Admit(job);
            }
        }

        return chosen;
    }

    /// <summary>Running diffusion jobs that stepped in the last diffusion iteration and are left out of this one.</summary>
    private int CountPauses(SchedulePlan plan)
    {
        if (plan.Diffusion is null)
        {
            return 0;
        }

        var stepping = plan.Diffusion.Steps.Select(s => s.Request).ToHashSet();
        int paused = _lastDiffusionBatch.Count(id => !stepping.Contains(id) && _requests.TryGetValue(id, out EngineRequest? r) && r.State == RequestState.Running);
        _lastDiffusionBatch = stepping;
        return paused;
    }

    private void ResumeSwappedDiffusion(PlanBuilder plan)
    {
        foreach (DiffusionJob job in _diffusionSwapped.InServingOrder(_order))
        {
            if (_kv.SwapIn(job.Latents!) != AllocationStatus.Ok)
            {
                return;
            }

            _diffusionSwapped.Remove(job);
            _diffusionRunning.Add(job);
            job.State = RequestState.Running;
            plan.SwappedIn.Add(job.Id);
        }
    }

    private void AdmitWaitingDiffusion(PlanBuilder plan)
    {
        LatentShape? batchShape = null;
        DueAdmission? admission = _options.Policy == SchedulingPolicy.EarliestDeadline
            ? new DueAdmission(_order, _options.MaxDiffusionBatch, _diffusionRunning)
            : null;
        foreach (DiffusionJob job in _diffusionWaiting.InServingOrder(_order))
        {
            if (_diffusionRunning.Count >= _options.DiffusionResidentLimit)
            {
                return;
            }

            if (admission?.WouldMakeAMiss(job) == true)
            {
                continue; // it waits until it harms no one; shorter work may fit beside the running jobs meanwhile
            }

            if (_options.Batching == BatchingMode.RequestLevel)
            {
                // A request-level batch is one shape, formed at once.
                batchShape ??= job.Shape;
                if (job.Shape != batchShape)
                {
                    continue;
                }
            }

            AllocationStatus status = _kv.AllocateOpaque(job.Spec.WorkingBytes, out OpaqueBuffer? latents);
            if (status == AllocationStatus.Never)
            {
                Reject(job, $"its {job.Spec.WorkingBytes} bytes of latents exceed the whole pool", plan);
                continue;
            }

            if (status == AllocationStatus.Later)
            {
                return;
            }

            var initial = new float[latents!.Floats];
            job.Spec.InitialLatent?.CopyTo(initial, 0);
            latents.CopyFrom(initial);
            job.Latents = latents;
            job.State = RequestState.Running;
            _diffusionWaiting.Remove(job);
            _diffusionRunning.Add(job);
            admission?.Admit(job);
        }
    }
}

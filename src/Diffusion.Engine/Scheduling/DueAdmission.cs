namespace Diffusion.Engine.Scheduling;

/// <summary>
/// The earliest-deadline policy's admission control: would admitting a job make an admitted one miss its due time?
/// It plays the running jobs forward in due-time order, <paramref name="batch"/> at a time, at the cost model's
/// price, once without and once with the candidate; a job that met its due time without it and misses with it
/// keeps the candidate waiting. Jobs that miss either way (already late) do not hold newcomers back.
/// </summary>
internal sealed class DueAdmission(ServingOrder order, int batch)
{
    public bool WouldMakeAMiss(IReadOnlyCollection<DiffusionJob> running, DiffusionJob candidate)
    {
        Dictionary<DiffusionJob, TimeSpan> without = Finishes(running);
        Dictionary<DiffusionJob, TimeSpan> with = Finishes(running.Append(candidate).ToList());
        return running.Any(job => job.Options.Due is not null && Meets(job, without[job]) && !Meets(job, with[job]));
    }

    private bool Meets(DiffusionJob job, TimeSpan finish) => order.Now + finish <= order.DueOf(job);

    /// <summary>When each job would finish from now if the jobs ran alone in due-time order.</summary>
    private Dictionary<DiffusionJob, TimeSpan> Finishes(IReadOnlyCollection<DiffusionJob> jobs)
    {
        List<(DiffusionJob Job, int Left)> queue = jobs.OrderBy(j => order.DueOf(j)).ThenBy(j => j.ArrivalOrder)
            .Select(j => (j, j.Spec.TotalSteps - j.CurrentStep)).ToList();
        var finishes = new Dictionary<DiffusionJob, TimeSpan>();
        TimeSpan clock = TimeSpan.Zero;
        while (queue.Count > 0)
        {
            // the front batch steps together until the first of them is done
            int front = Math.Min(batch, queue.Count);
            int steps = queue.Take(front).Min(e => e.Left);
            clock += order.Costs.Diffusion(steps, front);
            for (int i = 0; i < front; i++)
            {
                queue[i] = (queue[i].Job, queue[i].Left - steps);
                if (queue[i].Left == 0)
                {
                    finishes[queue[i].Job] = clock;
                }
            }

            queue.RemoveAll(e => e.Left == 0);
        }

        return finishes;
    }
}

namespace Diffusion.Engine.Scheduling;

/// <summary>
/// Would one more job make an admitted one miss its due time? It plays the admitted jobs forward in serving order,
/// <paramref name="batch"/> at a time, at the cost model's price, once without and once with the candidate; a job
/// that met its due time without it and misses with it keeps the candidate out. Jobs that miss either way (already
/// late) do not hold newcomers back. Used by EDF's admission control and by the pausing policies' step set.
/// </summary>
internal sealed class DueAdmission(ServingOrder order, int batch, IEnumerable<DiffusionJob> admitted)
{
    private readonly List<DiffusionJob> _admitted = admitted.ToList();
    private Dictionary<DiffusionJob, TimeSpan>? _finishes;

    public bool WouldMakeAMiss(DiffusionJob candidate)
    {
        Dictionary<DiffusionJob, TimeSpan> without = _finishes ??= Finishes(_admitted);
        Dictionary<DiffusionJob, TimeSpan> with = Finishes([.. _admitted, candidate]);
        return _admitted.Any(job => job.Options.Due is not null && Meets(job, without[job]) && !Meets(job, with[job]));
    }

    /// <summary>The job joined the admitted ones.</summary>
    public void Admit(DiffusionJob job)
    {
        _admitted.Add(job);
        _finishes = null;
    }

    private bool Meets(DiffusionJob job, TimeSpan finish) => order.Now + finish <= order.DueOf(job);

    /// <summary>When each job would finish from now if the jobs ran alone in serving order.</summary>
    private Dictionary<DiffusionJob, TimeSpan> Finishes(IReadOnlyCollection<DiffusionJob> jobs)
    {
        List<(DiffusionJob Job, int Left)> queue = jobs.InServingOrder(order).Select(j => (j, j.Spec.TotalSteps - j.CurrentStep)).ToList();
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

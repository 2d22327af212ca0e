namespace Diffusion.Engine.Scheduling;

/// <summary>
/// The policy's order of requests at one iteration boundary (<see cref="SchedulingPolicy"/>): priority first as
/// always, then arrival (FCFS), due time (EDF), slack (least slack), or slack in quanta and then the least work
/// left (cache-aware). Batch requests are due <see cref="SchedulerOptions.BatchAgingBound"/> after they arrived
/// (the aging rule); so is an interactive request without a due time.
/// </summary>
internal sealed class ServingOrder(SchedulerOptions options, StepCostModel costs, DateTimeOffset now, int diffusionBatch) : IComparer<EngineRequest>
{
    public DateTimeOffset Now => now;

    public StepCostModel Costs => costs;

    public int Compare(EngineRequest? x, EngineRequest? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int byPriority = y.Priority.CompareTo(x.Priority);
        if (byPriority != 0)
        {
            return byPriority;
        }

        int byPolicy = options.Policy switch
        {
            SchedulingPolicy.EarliestDeadline => DueOf(x).CompareTo(DueOf(y)),
            SchedulingPolicy.LeastSlack => Slack(x).CompareTo(Slack(y)),
            SchedulingPolicy.CacheAware => CompareCacheAware(x, y),
            _ => 0,
        };
        return byPolicy != 0 ? byPolicy : x.ArrivalOrder.CompareTo(y.ArrivalOrder);
    }

    /// <summary>When the request should be done, with the aging rule for batch work.</summary>
    public DateTimeOffset DueOf(EngineRequest request) =>
        request.Options.Class == SloClass.Interactive && request.Options.Due is { } due ? due : request.ArrivalTime + options.BatchAgingBound;

    /// <summary>Its own work left at today's costs (diffusion steps left, or LLM tokens left at most).</summary>
    public TimeSpan WorkLeft(EngineRequest request) => request switch
    {
        DiffusionJob job => costs.Diffusion(job.Spec.TotalSteps - job.CurrentStep, diffusionBatch),
        LlmSequenceGroup group => costs.Llm(group.Sampling.MaxTokens - (group.Sequences.Count == 0 ? 0 : group.Sequences.Max(s => s.OutputLength))),
        _ => TimeSpan.Zero,
    };

    public TimeSpan Slack(EngineRequest request) => DueOf(request) - now - WorkLeft(request);

    private int CompareCacheAware(EngineRequest x, EngineRequest y)
    {
        long quantum = Math.Max(1, options.SlackQuantum.Ticks);
        int bySlack = Math.Floor((double)Slack(x).Ticks / quantum).CompareTo(Math.Floor((double)Slack(y).Ticks / quantum));
        return bySlack != 0 ? bySlack : WorkLeft(x).CompareTo(WorkLeft(y));
    }
}

internal static class ServingOrderExtensions
{
    /// <summary>The requests in <paramref name="order"/>, as a snapshot safe to iterate while the source list changes.</summary>
    public static List<T> InServingOrder<T>(this IEnumerable<T> requests, IComparer<EngineRequest> order)
        where T : EngineRequest =>
        requests.OrderBy(r => (EngineRequest)r, order).ToList();
}

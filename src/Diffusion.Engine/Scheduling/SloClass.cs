namespace Diffusion.Engine.Scheduling;

/// <summary>How much a request's finish time matters to the deadline-aware policies.</summary>
public enum SloClass
{
    /// <summary>Someone waits for it: it has a due time (<see cref="RequestOptions.Due"/>).</summary>
    Interactive,

    /// <summary>No one waits (a replay, a batch of variations): it yields to interactive work but ages (see <see cref="SchedulerOptions.BatchAgingBound"/>).</summary>
    Batch,
}

/// <summary>Who runs next at each iteration boundary.</summary>
public enum SchedulingPolicy
{
    /// <summary>Priority, then first come first served: the engine's original order.</summary>
    Fcfs,

    /// <summary>Earliest due time first; a waiting job joins only when it makes no admitted job miss its due time.</summary>
    EarliestDeadline,

    /// <summary>Least slack (due time − now − remaining work) first; batch work is paused at a step boundary when interactive work needs its slot.</summary>
    LeastSlack,

    /// <summary>
    /// Among the requests that can all still meet their due times (the in-time tier, after shedding), the least work left
    /// first, then the least slack: cache hits are short. Every in-time request has slack enough by construction, so
    /// serving the shortest first finishes the most of them.
    /// </summary>
    CacheAware,
}

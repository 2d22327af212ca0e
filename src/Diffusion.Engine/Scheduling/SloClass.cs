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

    /// <summary>Least slack, and among equal slack (within <see cref="SchedulerOptions.SlackQuantum"/>) the job with the least work left: cache hits are short.</summary>
    CacheAware,
}

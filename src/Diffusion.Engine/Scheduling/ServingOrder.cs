namespace Diffusion.Engine.Scheduling;

/// <summary>
/// The policy's order of requests at one iteration boundary (<see cref="SchedulingPolicy"/>): priority first as
/// always, then arrival (FCFS), or for the deadline-aware policies a tier (<see cref="DueTier"/>) and within it due
/// time (EDF), slack (least slack), or the least work left and then slack (cache-aware). Batch requests are due
/// <see cref="SchedulerOptions.BatchAgingBound"/> after they arrived (the aging rule); so is an interactive request
/// without a due time. Late interactive requests age too (<see cref="SchedulerOptions.LateAgingWindows"/>). Ranks are
/// computed once per request, as an order lives for one iteration.
/// </summary>
/// <param name="active">Every request the scheduler holds, for the deadline-aware policies' overload shedding (see
/// <see cref="Shed"/>); none: no shedding.</param>
internal sealed class ServingOrder(SchedulerOptions options, StepCostModel costs, DateTimeOffset now, int diffusionBatch,
    IEnumerable<EngineRequest>? active = null) : IComparer<EngineRequest>
{
    private readonly Dictionary<EngineRequest, Rank> _ranks = new(ReferenceEqualityComparer.Instance);
    private HashSet<EngineRequest>? _shed;

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

        int byPolicy = options.Policy == SchedulingPolicy.Fcfs ? 0 : RankOf(x).CompareTo(RankOf(y));
        return byPolicy != 0 ? byPolicy : x.ArrivalOrder.CompareTo(y.ArrivalOrder);
    }

    /// <summary>When the request should be done, with the aging rule for batch work.</summary>
    public DateTimeOffset DueOf(EngineRequest request) =>
        request.Options.Class == SloClass.Interactive && request.Options.Due is { } due ? due : request.ArrivalTime + options.BatchAgingBound;

    /// <summary>Its own work left at today's costs when it shares iterations with <paramref name="batch"/> jobs in all.</summary>
    private TimeSpan WorkLeft(EngineRequest request, int batch) => request switch
    {
        DiffusionJob job => costs.Diffusion(job.Spec.TotalSteps - job.CurrentStep, batch),
        LlmSequenceGroup group => costs.Llm(group.Sampling.MaxTokens - (group.Sequences.Count == 0 ? 0 : group.Sequences.Max(s => s.OutputLength))),
        _ => TimeSpan.Zero,
    };

    private TimeSpan Slack(EngineRequest request) => DueOf(request) - now - WorkLeft(request, diffusionBatch);

    /// <summary>Where the request stands against its due time (see <see cref="DueTier"/>).</summary>
    public DueTier TierOf(EngineRequest request) => RankOf(request).Tier;

    private Rank RankOf(EngineRequest request)
    {
        if (!_ranks.TryGetValue(request, out Rank rank))
        {
            rank = NewRank(request);
            _ranks.Add(request, rank);
        }

        return rank;
    }

    private Rank NewRank(EngineRequest request)
    {
        DateTimeOffset due = DueOf(request);
        bool hasDue = HasDue(request);
        DateTimeOffset doneAlone = now + WorkLeft(request, 1);
        bool inTime = doneAlone <= due && !(hasDue && Shed().Contains(request));
        DueTier tier = (hasDue, inTime) switch
        {
            (true, true) => DueTier.InTime,
            (true, false) => DueTier.Late,
            (false, true) => DueTier.Deferred,
            (false, false) => DueTier.Aged,
        };
        if (tier == DueTier.Late && LateBound(request) is { } bound && doneAlone > bound)
        {
            return new Rank(DueTier.Aged, bound.UtcTicks, 0); // it would overrun its late bound unless it runs now
        }

        if (tier != DueTier.InTime)
        {
            return new Rank(tier, due.UtcTicks, 0);
        }

        TimeSpan slack = Slack(request);
        return options.Policy switch
        {
            SchedulingPolicy.LeastSlack => new Rank(tier, slack.Ticks, 0),
            SchedulingPolicy.CacheAware => new Rank(tier, WorkLeft(request, diffusionBatch).Ticks, slack.Ticks),
            _ => new Rank(tier, due.UtcTicks, 0),
        };
    }

    /// <summary>How late an interactive request may finish before it goes first (see <see cref="SchedulerOptions.LateAgingWindows"/>).</summary>
    private DateTimeOffset? LateBound(EngineRequest request) =>
        options.LateAgingWindows > 0 && request.Options.Due is { } due
            ? due + (due - (request.Options.DueCountedFrom ?? request.ArrivalTime)).Duration() * options.LateAgingWindows
            : null;

    private static bool HasDue(EngineRequest request) => request.Options.Class == SloClass.Interactive && request.Options.Due is not null;

    /// <summary>
    /// Overload shedding by Moore and Hodgson's rule: the interactive requests that could each still meet their due
    /// time are played earliest due first, one at a time at today's costs; while one of them would miss, the request
    /// with the most work left among those played so far is shed (it counts as late). This keeps the most requests in
    /// time when not all can be: without it, an overloaded EDF spends the machine on requests that then miss one after
    /// another. Recomputed every iteration, so a shed request that becomes feasible again comes back.
    /// </summary>
    private HashSet<EngineRequest> Shed()
    {
        if (_shed is not null)
        {
            return _shed;
        }

        _shed = new HashSet<EngineRequest>(ReferenceEqualityComparer.Instance);
        if (active is null || options.Policy == SchedulingPolicy.Fcfs)
        {
            return _shed;
        }

        var played = new List<(EngineRequest Request, TimeSpan Work)>();
        TimeSpan clock = TimeSpan.Zero;
        foreach (EngineRequest request in active.Where(HasDue).OrderBy(DueOf).ThenBy(r => r.ArrivalOrder))
        {
            TimeSpan work = WorkLeft(request, 1);
            if (now + work > DueOf(request))
            {
                continue; // late on its own already
            }

            played.Add((request, work));
            clock += work;
            if (now + clock > DueOf(request))
            {
                var longest = played.MaxBy(p => p.Work);
                played.Remove(longest);
                clock -= longest.Work;
                _shed.Add(longest.Request);
            }
        }

        return _shed;
    }

    /// <summary>Tier first, then the policy's key within it, then the tie-breaker.</summary>
    private readonly record struct Rank(DueTier Tier, double Key, double TieBreak) : IComparable<Rank>
    {
        public int CompareTo(Rank other)
        {
            int byTier = Tier.CompareTo(other.Tier);
            if (byTier != 0)
            {
                return byTier;
            }

            int byKey = Key.CompareTo(other.Key);
            return byKey != 0 ? byKey : TieBreak.CompareTo(other.TieBreak);
        }
    }
}

/// <summary>
/// The deadline-aware policies' tiers, served in this order. Work that can no longer meet its due time does not push
/// ahead of work that still can (without this, EDF under overload serves the already-late first, and every job
/// behind them misses too). Batch work waits behind all interactive work until it could no longer finish within
/// its aging bound; then it goes first, which is what bounds its wait.
/// </summary>
internal enum DueTier
{
    /// <summary>
    /// Batch work (or work without a due time) that would miss its aging bound unless it runs now, and late interactive
    /// work that would overrun its late bound (<see cref="SchedulerOptions.LateAgingWindows"/>): earliest bound first.
    /// </summary>
    Aged,

    /// <summary>Interactive work that can still meet its due time if it ran alone from now on, and is not shed for others.</summary>
    InTime,

    /// <summary>
    /// Interactive work that will miss its due time whatever runs, or that was shed so that more others meet theirs:
    /// after all in-time work, earliest due first.
    /// </summary>
    Late,

    /// <summary>Batch work within its aging bound: it runs when interactive work leaves room.</summary>
    Deferred,
}

internal static class ServingOrderExtensions
{
    /// <summary>The requests in <paramref name="order"/>, as a snapshot safe to iterate while the source list changes.</summary>
    public static List<T> InServingOrder<T>(this IEnumerable<T> requests, IComparer<EngineRequest> order)
        where T : EngineRequest =>
        requests.OrderBy(r => (EngineRequest)r, order).ToList();
}

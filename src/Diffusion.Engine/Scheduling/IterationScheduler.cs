using Diffusion.Engine.Memory;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Scheduling;

/// <summary>
/// The iteration-level scheduler (Orca), with vLLM's two-call contract: <see cref="Schedule"/> decides
/// one iteration and returns a plain <see cref="SchedulePlan"/>; after the runners executed it,
/// <see cref="Update"/> advances every request (tokens, steps, finishes). Requests join and leave only
/// between those calls. Each iteration serves one kind (LLM or diffusion), chosen by weighted round
/// robin when both have work. Not thread-safe: the engine loop is its only caller.
/// </summary>
public sealed partial class IterationScheduler
{
    private readonly SchedulerOptions _options;
    private readonly KvCacheManager _kv;
    private readonly TimeProvider _time;
    private readonly ITokenDecoder? _decoder;
    private readonly KindSelector _selector;
    private readonly StepCostModel _costs;
    private ServingOrder _order;
    private long _scheduledAt;
    private HashSet<RequestId> _lastDiffusionBatch = new();
    private readonly Dictionary<RequestId, EngineRequest> _requests = new();
    private readonly List<LlmSequenceGroup> _llmWaiting = new();
    private readonly List<LlmSequenceGroup> _llmRunning = new();
    private readonly List<LlmSequenceGroup> _llmSwapped = new();
    private readonly List<DiffusionJob> _diffusionWaiting = new();
    private readonly List<DiffusionJob> _diffusionRunning = new();
    private readonly List<DiffusionJob> _diffusionSwapped = new();
    private SchedulerCounters _counters = new();
    private long _arrivals;
    private long _iteration;
    private long _nextSequence;

    /// <param name="costs">What work costs, for the deadline-aware policies; learned from the iterations when not given.</param>
    public IterationScheduler(SchedulerOptions options, KvCacheManager kv, TimeProvider? time = null, ITokenDecoder? decoder = null,
        StepCostModel? costs = null)
    {
        _options = options.Validate();
        _kv = kv;
        _time = time ?? TimeProvider.System;
        _decoder = decoder;
        _selector = new KindSelector(options.LlmWeight, options.DiffusionWeight);
        _costs = costs ?? new StepCostModel(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10));
        _order = NewOrder();
    }

    /// <summary>What the deadline-aware policies expect work to cost (learned as iterations run).</summary>
    public StepCostModel Costs => _costs;

    public SchedulerOptions Options => _options;

    public KvCacheManager KvCache => _kv;

    public bool HasWork => _requests.Count > 0;

    public int WaitingCount => _llmWaiting.Count + _diffusionWaiting.Count;

    public int RunningCount => _llmRunning.Count + _diffusionRunning.Count;

    public int SwappedCount => _llmSwapped.Count + _diffusionSwapped.Count;

    public SchedulerCounters Counters => _counters;

    public EngineRequest? Find(RequestId id) => _requests.GetValueOrDefault(id);

    /// <summary>Queues a request; it joins the running batch at a coming iteration boundary.</summary>
    public void Add(EngineRequest request)
    {
        if (request.State != RequestState.Waiting || _requests.ContainsKey(request.Id))
        {
            throw new InvalidOperationException($"{request.Id} was already added");
        }

        Validate(request);
        if (request is LlmSequenceGroup group)
        {
            group.Seed = group.Sampling.Seed ?? (ulong)Random.Shared.NextInt64();
            group.AddSequence(new LlmSequence(NextSequenceId(), 0, group.Prompt, group.Prompt.Length, new SamplingRandom(group.Seed, 0)));
            _llmWaiting.Add(group);
        }
        else if (request is DiffusionJob job)
        {
            _diffusionWaiting.Add(job);
        }
        else
        {
            throw new ArgumentException($"unknown request type {request.GetType().Name}");
        }

        request.ArrivalTime = _time.GetUtcNow();
        request.ArrivalOrder = ++_arrivals;
        _requests.Add(request.Id, request);
    }

    /// <summary>Plans the next iteration.</summary>
    public SchedulePlan Schedule()
    {
        _iteration++;
        _scheduledAt = _time.GetTimestamp();
        _order = NewOrder();
        var plan = new PlanBuilder(_options);
        AbortExpired(plan);

        bool llm = _llmWaiting.Count + _llmRunning.Count + _llmSwapped.Count > 0;
        bool diffusion = _diffusionWaiting.Count + _diffusionRunning.Count + _diffusionSwapped.Count > 0;
        RequestKind? kind = _options.Policy == SchedulingPolicy.Fcfs || !(llm && diffusion)
            ? _selector.Pick(llm, diffusion)
            : MostUrgentKind();
        if (kind == RequestKind.Llm)
        {
            ScheduleLlm(plan);
            if (!plan.HasLlmWork && diffusion)
            {
                ScheduleDiffusion(plan);
            }
        }
        else if (kind == RequestKind.Diffusion)
        {
            ScheduleDiffusion(plan);
            if (plan.DiffusionSteps.Count == 0 && llm)
            {
                ScheduleLlm(plan);
            }
        }

        SchedulePlan result = plan.Build(_iteration);
        Record(result);
        return result;
    }

    /// <summary>Ends a request now (e.g. its runner failed), freeing its blocks. False if unknown.</summary>
    public bool Abort(RequestId id, FinishReason reason, string message)
    {
        if (!_requests.TryGetValue(id, out EngineRequest? request))
        {
            return false;
        }

        End(request, reason, message, null);
        return true;
    }

    /// <summary>
    /// Throws if the request can never be served by this scheduler (prompt beyond the model's
    /// positions, stop sequences without a decoder). Reads only immutable state: callable from any thread.
    /// </summary>
    public void Validate(EngineRequest request)
    {
        if (request is LlmSequenceGroup group)
        {
            ValidateLlm(group);
        }
    }

    private void ValidateLlm(LlmSequenceGroup group)
    {
        if (group.Prompt.Length >= _options.MaxModelLength)
        {
            throw new ArgumentException(
                $"the prompt has {group.Prompt.Length} tokens; the model holds {_options.MaxModelLength} positions, "
                + "leaving no room for output");
        }

        if (group.Sampling.Stop.Count > 0 && _decoder is null)
        {
            throw new ArgumentException("stop sequences need a token decoder, and this engine has none");
        }
    }

    private SequenceId NextSequenceId() => new(++_nextSequence);

    private ServingOrder NewOrder() =>
        new(_options, _costs, _time.GetUtcNow(), Math.Clamp(_diffusionRunning.Count, 1, _options.MaxDiffusionBatch), _requests.Values);

    /// <summary>
    /// Under a deadline-aware policy one order spans both kinds: the iteration serves the kind of the most urgent
    /// request, so an expansion that an image waits behind is not held back by a fixed LLM/diffusion share. The aging
    /// rule keeps either kind from starving.
    /// </summary>
    private RequestKind MostUrgentKind() =>
        _llmWaiting.Cast<EngineRequest>().Concat(_llmRunning).Concat(_llmSwapped)
            .Concat(_diffusionWaiting).Concat(_diffusionRunning).Concat(_diffusionSwapped)
            .Min(_order)!.Kind;

    private void AbortExpired(PlanBuilder plan)
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (EngineRequest request in _requests.Values.ToList())
        {
            if (request.Cancellation.IsCancellationRequested)
            {
                End(request, FinishReason.Cancelled, "the request was cancelled", plan);
            }
            else if (request.Deadline is { } deadline && now >= deadline)
            {
                End(request, FinishReason.DeadlineExceeded, $"the deadline {deadline:O} passed", plan);
            }
        }
    }

    /// <summary>Removes a request from every queue and returns all its memory.</summary>
    private void End(EngineRequest request, FinishReason reason, string message, PlanBuilder? plan)
    {
        switch (request)
        {
            case LlmSequenceGroup group:
                foreach (LlmSequence seq in group.Sequences)
                {
                    _kv.Free(seq.Id);
                }

                group.SwappedBlocks = null;
                _llmWaiting.Remove(group);
                _llmRunning.Remove(group);
                _llmSwapped.Remove(group);
                break;
            case DiffusionJob job:
                if (job.Latents is not null)
                {
                    _kv.Release(job.Latents);
                    job.Latents = null;
                }

                _diffusionWaiting.Remove(job);
                _diffusionRunning.Remove(job);
                _diffusionSwapped.Remove(job);
                break;
            default:
                throw new ArgumentException($"unknown request type {request.GetType().Name}");
        }

        _requests.Remove(request.Id);
        request.State = RequestState.Finished;
        request.FinishReason = reason;
        request.FinishMessage = message;
        request.FinishedTime = _time.GetUtcNow();
        plan?.Aborted.Add(new AbortedRequest(request.Id, reason, message));
        _counters = reason == FinishReason.Rejected
            ? _counters with { Rejected = _counters.Rejected + 1 }
            : _counters with { Aborted = _counters.Aborted + 1 };
    }

    /// <summary>Counts a finished request against its due time, when it had one.</summary>
    private void RecordDue(EngineRequest request)
    {
        if (request.Options.Due is not { } due)
        {
            return;
        }

        _counters = request.FinishedTime <= due
            ? _counters with { DueMet = _counters.DueMet + 1 }
            : _counters with { DueMissed = _counters.DueMissed + 1 };
    }

    private void Reject(EngineRequest request, string message, PlanBuilder plan) =>
        End(request, FinishReason.Rejected, message, plan);

    private void Record(SchedulePlan plan)
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (RequestId id in plan.ScheduledRequests)
        {
            EngineRequest request = _requests[id];
            request.FirstScheduledTime ??= now;
        }

        _counters = _counters with
        {
            Iterations = _counters.Iterations + 1,
            LlmIterations = _counters.LlmIterations + (plan.Llm is null ? 0 : 1),
            DiffusionIterations = _counters.DiffusionIterations + (plan.Diffusion is null ? 0 : 1),
            LlmBatchTokens = _counters.LlmBatchTokens + (plan.Llm?.TotalTokens ?? 0),
            LlmBatchSequences = _counters.LlmBatchSequences + (plan.Llm?.Sequences.Count ?? 0),
            DiffusionBatchJobs = _counters.DiffusionBatchJobs + (plan.Diffusion?.Steps.Count ?? 0),
            Pauses = _counters.Pauses + CountPauses(plan),
            RunningRequestsSum = _counters.RunningRequestsSum + RunningCount,
            Preemptions = _counters.Preemptions + plan.Preempted.Count,
            SwapOuts = _counters.SwapOuts + plan.SwappedOut.Count,
            SwapIns = _counters.SwapIns + plan.SwappedIn.Count,
        };
    }
}

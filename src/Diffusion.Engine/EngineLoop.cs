using System.Collections.Concurrent;
using System.Diagnostics;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine;

/// <summary>
/// The engine's one background task: repeatedly schedule → run (LLM runner and/or diffusion step
/// runner) → update, delivering tokens, steps and results to the requests' handles. Submissions and
/// cancellations from any thread take effect at the next iteration boundary.
/// </summary>
public sealed class EngineLoop : IAsyncDisposable
{
    private static readonly TimeSpan IdleRetry = TimeSpan.FromMilliseconds(5);
    private readonly IterationScheduler _scheduler;
    private readonly ILlmRunner? _llm;
    private readonly IDiffusionStepRunner? _diffusion;
    private readonly ConcurrentQueue<(EngineRequest Request, IRequestHandle Handle)> _submissions = new();
    private readonly Dictionary<RequestId, IRequestHandle> _handles = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private Task? _loop;
    private long _nextRequestId;
    private long _busyTicks;
    private long _mathTicks;
    private volatile EngineStats _stats;

    public EngineLoop(IterationScheduler scheduler, ILlmRunner? llmRunner, IDiffusionStepRunner? diffusionRunner)
    {
        if (llmRunner is null && diffusionRunner is null)
        {
            throw new ArgumentException("the engine needs at least one runner");
        }

        _scheduler = scheduler;
        _llm = llmRunner;
        _diffusion = diffusionRunner;
        _stats = Snapshot();
    }

    /// <summary>Starts the background task.</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the engine loop is already running");
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Stops after the current iteration; requests still pending end as cancelled.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }

    public LlmCompletionHandle SubmitCompletion(IReadOnlyList<int> prompt, SamplingParams sampling,
        RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_llm is null)
        {
            throw new InvalidOperationException("this engine has no LLM runner");
        }

        var id = new RequestId(Interlocked.Increment(ref _nextRequestId));
        var request = new LlmSequenceGroup(id, prompt, sampling, options, cancellationToken);
        _scheduler.Validate(request);
        var handle = new LlmCompletionHandle(id, cancellationToken);
        Enqueue(request, handle);
        return handle;
    }

    public DiffusionJobHandle SubmitDiffusion(DiffusionJobSpec spec, RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_diffusion is null)
        {
            throw new InvalidOperationException("this engine has no diffusion step runner");
        }

        var id = new RequestId(Interlocked.Increment(ref _nextRequestId));
        var job = new DiffusionJob(id, spec, options, cancellationToken);
        var handle = new DiffusionJobHandle(id, cancellationToken);
        Enqueue(job, handle);
        return handle;
    }

    /// <summary>The latest snapshot, taken by the loop after each iteration.</summary>
    public EngineStats GetStats() => _stats with { Uptime = Stopwatch.GetElapsedTime(_startedAt) };

    private void Enqueue(EngineRequest request, IRequestHandle handle)
    {
        if (_stop.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(EngineLoop), "the engine loop has stopped");
        }

        if (request.Cancellation.CanBeCanceled)
        {
            // Wake an idle loop so the cancelled request is freed at the next boundary.
            handle.Release(request.Cancellation.Register(Wake));
        }

        _submissions.Enqueue((request, handle));

        Wake();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        Exception? crash = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                DrainSubmissions();
                if (!_scheduler.HasWork)
                {
                    await _wake.WaitAsync(stop).ConfigureAwait(false);
                    continue;
                }

                await IterateAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping; pending requests are cancelled below.
        }
        catch (Exception e)
        {
            crash = e; // a scheduler bug: every pending request hears of it below
        }
        finally
        {
            DrainSubmissions();
            foreach ((RequestId id, IRequestHandle handle) in _handles)
            {
                _scheduler.Abort(id, FinishReason.Cancelled, "the engine stopped");
                if (crash is null)
                {
                    handle.Cancel();
                }
                else
                {
                    handle.Fail(new EngineRequestException(id, FinishReason.Failed, "the engine loop failed", crash));
                }
            }

            _handles.Clear();
            _stats = Snapshot();
        }
    }

    private async Task IterateAsync(CancellationToken stop)
    {
        long started = Stopwatch.GetTimestamp();
        SchedulePlan plan = _scheduler.Schedule();
        if (!plan.HasWork)
        {
            _stats = Snapshot();
            DeliverAborted(plan.Aborted);
            // Nothing could run (memory held elsewhere); wait for a submission or retry shortly.
            await _wake.WaitAsync(IdleRetry, stop).ConfigureAwait(false);
            return;
        }

        LlmBatchOutput? llm = null;
        DiffusionBatchOutput? diffusion = null;
        try
        {
            if (plan.Llm is not null)
            {
                llm = _llm!.Execute(plan.Llm);
            }

            if (plan.Diffusion is not null)
            {
                diffusion = await _diffusion!.RunStepAsync(plan.Diffusion, stop).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // A runner failed: the requests of this iteration end with its error; the rest go on.
            DeliverAborted(plan.Aborted);
            FailPlan(plan, e);
            return;
        }

        IterationEvents events = _scheduler.Update(plan, llm, diffusion);
        _busyTicks += Stopwatch.GetTimestamp() - started;
        _mathTicks += (long)(((llm?.MathTime ?? TimeSpan.Zero) + (diffusion?.MathTime ?? TimeSpan.Zero)).TotalSeconds * Stopwatch.Frequency);

        // The snapshot comes first, so a caller woken by a result already sees the stats that include it.
        _stats = Snapshot();
        DeliverAborted(plan.Aborted);
        Deliver(events);
    }

    private void DrainSubmissions()
    {
        while (_submissions.TryDequeue(out (EngineRequest Request, IRequestHandle Handle) item))
        {
            _handles.Add(item.Request.Id, item.Handle);
            _scheduler.Add(item.Request);
        }
    }

    private void DeliverAborted(IReadOnlyList<AbortedRequest> aborted)
    {
        foreach (AbortedRequest a in aborted)
        {
            if (!_handles.Remove(a.Id, out IRequestHandle? handle))
            {
                continue;
            }

            if (a.Reason == FinishReason.Cancelled)
            {
                handle.Cancel();
            }
            else
            {
                handle.Fail(new EngineRequestException(a.Id, a.Reason, a.Message));
            }
        }
    }

    private void FailPlan(SchedulePlan plan, Exception error)
    {
        List<RequestId> failed = plan.ScheduledRequests.ToList();
        foreach (RequestId id in failed)
        {
            _scheduler.Abort(id, FinishReason.Failed, error.Message);
        }

        _stats = Snapshot();
        foreach (RequestId id in failed)
        {
            if (_handles.Remove(id, out IRequestHandle? handle))
            {
                handle.Fail(new EngineRequestException(id, FinishReason.Failed, "a runner failed: " + error.Message, error));
            }
        }
    }

    private void Deliver(IterationEvents events)
    {
        foreach (TokenEvent token in events.Tokens)
        {
            if (_handles.GetValueOrDefault(token.Request) is LlmCompletionHandle handle)
            {
                handle.OnToken(token);
            }
        }

        foreach (LlmCompletion completion in events.FinishedLlm)
        {
            if (_handles.Remove(completion.Id, out IRequestHandle? handle))
            {
                ((LlmCompletionHandle)handle).OnFinished(completion);
            }
        }

        foreach (DiffusionStepEvent step in events.DiffusionSteps)
        {
            if (_handles.GetValueOrDefault(step.Request) is DiffusionJobHandle handle)
            {
                handle.OnStep(step);
            }
        }

        foreach (DiffusionJobResult result in events.FinishedDiffusion)
        {
            if (_handles.Remove(result.Id, out IRequestHandle? handle))
            {
                ((DiffusionJobHandle)handle).OnFinished(result);
            }
        }
    }

    private EngineStats Snapshot() => new(
        _scheduler.Counters,
        _scheduler.KvCache.GetStats(),
        _scheduler.WaitingCount,
        _scheduler.RunningCount,
        _scheduler.SwappedCount,
        Stopwatch.GetElapsedTime(_startedAt),
        Stopwatch.GetElapsedTime(0, _busyTicks),
        Stopwatch.GetElapsedTime(0, _mathTicks));
}

using System.Threading.Channels;
using Diffusion.Server.Api;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Generation;
using Diffusion.Server.Running;

namespace Diffusion.Server.Jobs;

/// <summary>
/// A generation run in the background. It receives the generator's progress (it is the
/// <see cref="IProgress{T}"/> handed to the generator), keeps the latest state for late readers and
/// fans events out to every Server-Sent Events subscriber. All state changes happen under one lock,
/// so a subscriber never misses the final event.
/// </summary>
public sealed class Job : IProgress<DenoiseProgress>
{
    private readonly Lock gate = new();
    private readonly CancellationTokenSource cancellation = new();
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Channel<JobEvent>> subscribers = [];
    private readonly TimeProvider time;

    private JobStatus status = JobStatus.Queued;
    private DateTimeOffset? startedAt;
    private DateTimeOffset? finishedAt;
    private JobProgress? progress;
    private JobResult? result;
    private ApiError? error;
    private JobEvent? finalEvent;
    private readonly Action<Job, JobStatus, DateTimeOffset, JobResult?, ApiError?>? ended;
    private readonly Action<Job>? changed;

    /// <param name="ended">Called once when the job reaches its final status (the journal records it).</param>
    /// <param name="created">When the job was accepted; now unless it is restored from the journal.</param>
    /// <param name="changed">Called after the job starts, reports progress and ends (the shared job state follows it).</param>
    public Job(JobId id, GenerationPlan plan, string baseUrl, TimeProvider time,
        Action<Job, JobStatus, DateTimeOffset, JobResult?, ApiError?>? ended = null, DateTimeOffset? created = null,
        Action<Job>? changed = null)
    {
        Id = id;
        Plan = plan;
        BaseUrl = baseUrl;
        this.time = time;
        this.ended = ended;
        this.changed = changed;
        Created = created ?? time.GetUtcNow();
    }

    /// <summary>A job that had already ended before a restart, as the journal recorded it.</summary>
    public static Job Ended(JournaledJob journaled, TimeProvider time)
    {
        var job = new Job(journaled.Id, journaled.Plan, journaled.BaseUrl, time, created: journaled.Created);
        job.Finish(journaled.Status, journaled.Result,
            journaled.Status == JobStatus.Succeeded ? null : journaled.Error ?? ApiError.JobCancelled, journaled.Finished);
        return job;
    }

    public JobId Id { get; }
    public GenerationPlan Plan { get; }
    /// <summary>Scheme, host and path base of the request that created the job, for absolute URLs.</summary>
    public string BaseUrl { get; }
    public DateTimeOffset Created { get; }
    public string EventsUrl => $"{BaseUrl}/v1/jobs/{Id}/events";

    /// <summary>Fires when the job is cancelled; the generator observes it.</summary>
    public CancellationToken CancellationToken => cancellation.Token;

    /// <summary>Completes when the job reaches a final status.</summary>
    public Task Finished => finished.Task;

    public JobStatus Status
    {
        get { lock (gate) return status; }
    }

    public bool IsFinal(out DateTimeOffset finishedTime)
    {
        lock (gate)
        {
            finishedTime = finishedAt.GetValueOrDefault();
            return finalEvent is not null;
        }
    }

    /// <summary>Queued → Running; false if the job was cancelled before a worker took it.</summary>
    public bool TryStart()
    {
        lock (gate)
        {
            if (status != JobStatus.Queued) return false;
            status = JobStatus.Running;
            startedAt = time.GetUtcNow();
        }
        changed?.Invoke(this);
        return true;
    }

    public void Report(DenoiseProgress value)
    {
        var step = Math.Max(0, value.Step);
        var total = Math.Max(step, value.TotalSteps);
        var eta = step == 0 ? 0 : value.Elapsed.TotalSeconds / step * (total - step);
        var update = new JobProgress(step, total, Math.Round(eta, 3));
        lock (gate)
        {
            if (finalEvent is not null) return;
            progress = update;
            Publish(new JobEvent(JobEvent.Progress, update));
        }
        changed?.Invoke(this);
    }

    public void Succeed(JobResult value) => Finish(JobStatus.Succeeded, value, null);

    public void Fail(ApiError value) => Finish(JobStatus.Failed, null, value);

    public void MarkCancelled() => Finish(JobStatus.Cancelled, null, ApiError.JobCancelled);

    /// <summary>
    /// Cancels the job: a queued job is cancelled at once; a running one when the generator observes
    /// <see cref="CancellationToken"/>. Returns false if the job had already finished.
    /// </summary>
    public bool RequestCancel()
    {
        lock (gate)
        {
            if (finalEvent is not null) return false;
            // Decided under the lock so a worker cannot start the job in between (the lock is reentrant).
            if (status == JobStatus.Queued) MarkCancelled();
        }
        cancellation.Cancel();
        return true;
    }

    public JobResponse ToResponse()
    {
        lock (gate)
        {
            return new JobResponse(
                Id.Value, "job", status, Created.ToUnixTimeSeconds(), startedAt?.ToUnixTimeSeconds(),
                finishedAt?.ToUnixTimeSeconds(), progress, result, error?.ToResponse().Error, EventsUrl);
        }
    }

    /// <summary>
    /// Subscribes to the job's events. The subscription starts with the latest state (the last
    /// progress, or the final event if the job is over) and then receives every later event; it is
    /// registered before this returns, so nothing published afterwards is missed.
    /// </summary>
    public JobSubscription Subscribe()
    {
        lock (gate)
        {
            if (finalEvent is not null) return new JobSubscription(this, finalEvent, null);
            var channel = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
            subscribers.Add(channel);
            return new JobSubscription(this, progress is null ? null : new JobEvent(JobEvent.Progress, progress), channel);
        }
    }

    internal void Unsubscribe(Channel<JobEvent> channel)
    {
        lock (gate) subscribers.Remove(channel);
    }

    private void Finish(JobStatus final, JobResult? value, ApiError? failure, DateTimeOffset? at = null)
    {
        lock (gate)
        {
            if (finalEvent is not null) return;
            status = final;
            finishedAt = at ?? time.GetUtcNow();
            result = value;
            error = failure;
            finalEvent = value is not null
                ? new JobEvent(JobEvent.Result, value)
                : new JobEvent(JobEvent.Error, failure!.ToResponse());
            Publish(finalEvent);
            foreach (var subscriber in subscribers) subscriber.Writer.TryComplete();
            subscribers.Clear();
        }
        ended?.Invoke(this, final, finishedAt.Value, value, failure);
        changed?.Invoke(this);
        finished.TrySetResult();
    }

    private void Publish(JobEvent value)
    {
        foreach (var subscriber in subscribers) subscriber.Writer.TryWrite(value);
    }
}

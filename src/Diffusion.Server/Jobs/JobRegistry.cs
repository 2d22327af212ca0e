using System.Collections.Concurrent;
using Diffusion.CacheStore;
using Diffusion.Server.Options;
using Diffusion.Server.Running;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Jobs;

/// <summary>
/// The jobs the server knows. A finished job is forgotten <see cref="ServerOptions.JobRetention"/>
/// after it ended: lookups treat it as gone at once, and <see cref="JobSweeper"/> frees the memory.
/// Behind a load balancer, <paramref name="mirror"/> (Redis) holds every instance's job states for the others.
/// </summary>
public sealed class JobRegistry(TimeProvider time, IOptions<ServerOptions> options, JobJournal journal, RedisJobMirror? mirror = null)
{
    /// <summary>The other instances' jobs, when instances share them (null: this instance's only).</summary>
    public RedisJobMirror? Mirror => mirror;

    private readonly ConcurrentDictionary<JobId, Job> jobs = new();
    private readonly TimeSpan retention = options.Value.JobRetention;

    /// <summary>
    /// A new job, journaled before this returns. Throws when the journal cannot record it (e.g. a full disk):
    /// the caller must then refuse the job, since a crash would lose it.
    /// </summary>
    public Job Create(GenerationPlan plan, string baseUrl)
    {
        while (true)
        {
            var job = new Job(JobId.New(), plan, baseUrl, time, journal.RecordEnd, changed: mirror is null ? null : mirror.Publish);
            if (!jobs.TryAdd(job.Id, job)) continue;
            try
            {
                journal.Record(job);
            }
            catch
            {
                jobs.TryRemove(job.Id, out _);
                throw;
            }
            mirror?.Publish(job);
            return job;
        }
    }

    /// <summary>Brings back a journaled job after a restart: an ended one as it ended, an unfinished one queued again.</summary>
    public Job Restore(JournaledJob journaled)
    {
        var job = journaled.IsFinal
            ? Job.Ended(journaled, time)
            : new Job(journaled.Id, journaled.Plan, journaled.BaseUrl, time, journal.RecordEnd, journaled.Created, mirror is null ? null : mirror.Publish);
        jobs[job.Id] = job;
        mirror?.Publish(job);
        return job;
    }

    /// <summary>The job if it exists, has not expired and belongs to <paramref name="tenant"/>; another tenant's job is "not found".</summary>
    public bool TryGet(JobId id, TenantId tenant, out Job job) => TryGet(id, out job) && job.Plan.Spec.Tenant == tenant;

    public bool TryGet(JobId id, out Job job)
    {
        if (!jobs.TryGetValue(id, out job!)) return false;
        if (!IsExpired(job)) return true;
        if (jobs.TryRemove(id, out _)) journal.Remove(id);
        return false;
    }

    /// <summary>Forgets a job that was never accepted (the queue refused it).</summary>
    public void Remove(JobId id)
    {
        jobs.TryRemove(id, out _);
        journal.Remove(id);
        mirror?.Forget(id);
    }

    /// <summary>Jobs not yet finished.</summary>
    public int ActiveCount => jobs.Values.Count(j => !j.IsFinal(out _));

    /// <summary>Jobs of one tenant not yet finished.</summary>
    public int ActiveCountFor(TenantId tenant) => jobs.Values.Count(j => j.Plan.Spec.Tenant == tenant && !j.IsFinal(out _));

    /// <summary>All jobs held, finished or not.</summary>
    public int Count => jobs.Count;

    public int RemoveExpired()
    {
        var removed = 0;
        foreach (var (id, job) in jobs)
        {
            if (IsExpired(job) && jobs.TryRemove(id, out _))
            {
                journal.Remove(id);
                removed++;
            }
        }
        return removed;
    }

    private bool IsExpired(Job job) => job.IsFinal(out var finished) && IsExpired(finished);

    public bool IsExpired(DateTimeOffset finished) => time.GetUtcNow() - finished >= retention;
}

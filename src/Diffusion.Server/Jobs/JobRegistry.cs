using System.Collections.Concurrent;
using Diffusion.Server.Options;
using Diffusion.Server.Running;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Jobs;

/// <summary>
/// The jobs the server knows. A finished job is forgotten <see cref="ServerOptions.JobRetention"/>
/// after it ended: lookups treat it as gone at once, and <see cref="JobSweeper"/> frees the memory.
/// </summary>
public sealed class JobRegistry(TimeProvider time, IOptions<ServerOptions> options)
{
    private readonly ConcurrentDictionary<JobId, Job> jobs = new();
    private readonly TimeSpan retention = options.Value.JobRetention;

    public Job Create(GenerationPlan plan, string baseUrl)
    {
        while (true)
        {
            var job = new Job(JobId.New(), plan, baseUrl, time);
            if (jobs.TryAdd(job.Id, job)) return job;
        }
    }

    public bool TryGet(JobId id, out Job job)
    {
        if (!jobs.TryGetValue(id, out job!)) return false;
        if (!IsExpired(job)) return true;
        jobs.TryRemove(id, out _);
        return false;
    }

    public void Remove(JobId id) => jobs.TryRemove(id, out _);

    /// <summary>Jobs not yet finished.</summary>
    public int ActiveCount => jobs.Values.Count(j => !j.IsFinal(out _));

    /// <summary>All jobs held, finished or not.</summary>
    public int Count => jobs.Count;

    public int RemoveExpired()
    {
        var removed = 0;
        foreach (var (id, job) in jobs)
        {
            if (IsExpired(job) && jobs.TryRemove(id, out _)) removed++;
        }
        return removed;
    }

    private bool IsExpired(Job job) => job.IsFinal(out var finished) && time.GetUtcNow() - finished >= retention;
}

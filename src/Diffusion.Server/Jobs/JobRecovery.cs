using Diffusion.Server.Api;
using Diffusion.Server.Queue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Jobs;

/// <summary>
/// At start-up, before the first request: every job in the journal answers again. Ended jobs come back as they
/// ended (until their retention passes); jobs a crash interrupted, queued or running, are queued again and run from
/// the start (same plan, same seed); one that cannot be queued or read is failed with the reason. So an id the
/// service ever returned never becomes a 404 within its retention.
/// </summary>
public sealed class JobRecovery(
    JobJournal journal,
    JobRegistry registry,
    GenerationQueue queue,
    JobExecutor executor,
    ILogger<JobRecovery> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var journaled = journal.Load(out var unreadable);
        int requeued = 0, ended = 0, failed = 0, expired = 0;
        foreach (var entry in journaled)
        {
            if (entry.IsFinal && entry.Finished is { } finished && registry.IsExpired(finished))
            {
                journal.Remove(entry.Id);
                expired++;
                continue;
            }
            var job = registry.Restore(entry);
            if (entry.IsFinal)
            {
                ended++;
                continue;
            }
            var status = queue.TryEnqueueRecovered(job.Plan.Spec.Tenant, (queued, token) => executor.ExecuteAsync(job, queued, token), job.CancellationToken);
            if (status == EnqueueStatus.Accepted)
            {
                requeued++;
            }
            else
            {
                job.Fail(ApiError.Unavailable(
                    $"the service restarted before this job finished, and its queue ({queue.Capacity}) was too full to run it again; submit it again"));
                failed++;
            }
        }
        foreach (var (id, problem) in unreadable)
        {
            // Not expected (the service wrote the row); logged loudly, since this id will answer 404.
            logger.LogError("Job {JobId} in the journal cannot be read ({Problem}); failing it", id, problem);
            journal.Remove(id);
            failed++;
        }
        if (journaled.Count + unreadable.Count > 0)
        {
            logger.LogInformation("Job journal: {Requeued} jobs queued again after a restart, {Ended} ended jobs restored, {Failed} failed, {Expired} expired",
                requeued, ended, failed, expired);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

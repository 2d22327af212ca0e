using Diffusion.Server.Api;
using Diffusion.Server.Generation;
using Diffusion.Server.Running;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Jobs;

/// <summary>Runs a job's plan when its turn in the queue comes, and records how it ended on the job.</summary>
public sealed class JobExecutor(GenerationRunner runner, TimeProvider time, ILogger<JobExecutor> logger)
{
    public async Task<JobStatus> ExecuteAsync(Job job, TimeSpan queued, CancellationToken cancellationToken)
    {
        if (!job.TryStart()) return job.Status;
        try
        {
            var result = await runner.RunAsync(job.Plan, queued, job, cancellationToken);
            var padding = SharedHitPadding.For(result);
            var answer = ImageResponses.ToJobResult(SharedHitPadding.Padded(result, padding), job.Plan.Format, job.BaseUrl);
            if (padding <= TimeSpan.Zero) job.Succeed(answer);
            // The worker moves on; only this job's readers wait (a shared hit must not look faster than a miss).
            else _ = Task.Delay(padding, time, CancellationToken.None).ContinueWith(_ => job.Succeed(answer), TaskScheduler.Default);
        }
        catch (OperationCanceledException) when (job.CancellationToken.IsCancellationRequested)
        {
            job.MarkCancelled();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping, not the client: the journal still has the job unfinished, and the next start runs it.
        }
        catch (Exception ex) when (ex is GeneratorUnavailableException or ImageNotStoredException)
        {
            job.Fail(ApiError.Unavailable(ex.Message));
        }
        catch (GenerationRejectedException ex)
        {
            job.Fail(ApiError.Invalid(ex.Message, ex.Param));
        }
        catch (Exception ex)
        {
            // No caller is waiting for this exception: log it and tell the job's readers.
            logger.LogError(ex, "Job {JobId} failed", job.Id);
            job.Fail(ApiError.Internal(job.Id.Value));
        }
        return job.Status;
    }
}

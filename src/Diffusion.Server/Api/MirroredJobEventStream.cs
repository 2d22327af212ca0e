using Diffusion.CacheStore;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Jobs;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Server.Api;

/// <summary>
/// Server-Sent Events for a job another instance runs, read from its shared state (<see cref="RedisJobMirror"/>):
/// a progress event whenever the published progress moves (the owner publishes it about once a second, so this
/// stream is coarser than the owner's, which has every step), then the result or error event, as the owner's.
/// </summary>
public sealed class MirroredJobEventStream(RedisJobMirror mirror, JobId id, TenantId tenant, JobResponse first, TimeProvider time) : IResult
{
    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);

    public async Task ExecuteAsync(HttpContext context)
    {
        var response = JobEventStream.Open(context);
        var cancellationToken = context.RequestAborted;
        try
        {
            await JobEventStream.WriteAsync(response, ": subscribed\n\n", cancellationToken);
            var state = first;
            JobProgress? sent = null;
            var quiet = TimeSpan.Zero;
            while (true)
            {
                if (Final(state) is { } final)
                {
                    await JobEventStream.WriteEventAsync(response, final, cancellationToken);
                    return;
                }
                if (state.Progress is { } progress && progress != sent)
                {
                    await JobEventStream.WriteEventAsync(response, new JobEvent(JobEvent.Progress, progress), cancellationToken);
                    sent = progress;
                    quiet = TimeSpan.Zero;
                }
                else if ((quiet += PollEvery) >= JobEventStream.KeepAlive)
                {
                    await JobEventStream.WriteAsync(response, ": keep-alive\n\n", cancellationToken);
                    quiet = TimeSpan.Zero;
                }
                await Task.Delay(PollEvery, time, cancellationToken);
                // gone (expired, or Redis unreachable for a moment): keep the last state and ask again
                state = await mirror.FindAsync(id, tenant, cancellationToken) ?? state;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; nothing more to send.
        }
    }

    private static JobEvent? Final(JobResponse state) => state switch
    {
        { Status: JobStatus.Succeeded, Result: { } result } => new JobEvent(JobEvent.Result, result),
        { Status: JobStatus.Failed or JobStatus.Cancelled } => new JobEvent(JobEvent.Error,
            new ErrorResponse(state.Error ?? ApiError.JobCancelled.ToResponse().Error)),
        _ => null,
    };
}

using Diffusion.Server.Identity;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Api.Requests;
using Diffusion.Server.Jobs;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Diffusion.Server.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Api;

/// <summary>
/// Background generation with progress: create a job, follow it as Server-Sent Events, read its
/// state, cancel it. Jobs wait in the same queue as synchronous requests.
/// </summary>
public static class JobsApi
{
    /// <summary>How long DELETE waits for a running generation to observe its cancellation.</summary>
    public static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/jobs").WithTags("Jobs");

        group.MapPost("", CreateJobAsync)
            .WithName("CreateJob")
            .RequireRateLimiting(GenerationRateLimit.PolicyName)
            .WithMetadata(Idempotency.IdempotentEndpoint.Instance)
            .WithSummary("Queue one image generation; answers 202 with the job id and its events URL.")
            .Accepts<ImageGenerationRequest>("application/json")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status429TooManyRequests);
        group.MapGet("/{id}", GetJob).WithName("GetJob").WithSummary("The state of a job.");
        group.MapGet("/{id}/events", GetJobEvents)
            .WithName("GetJobEvents")
            .WithSummary("Server-Sent Events: progress per denoising step, then result or error.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        group.MapDelete("/{id}", CancelJobAsync).WithName("CancelJob").WithSummary("Cancel a job.");
        return app;
    }

    public static async Task<Results<Accepted<JobCreatedResponse>, JsonHttpResult<ErrorResponse>>> CreateJobAsync(
        HttpContext context,
        [FromServices] GenerationRequestParser parser,
        [FromServices] GenerationQueue queue,
        [FromServices] JobRegistry jobs,
        [FromServices] JobExecutor executor,
        [FromServices] ServiceMetrics metrics,
        [FromServices] IOptions<ServerOptions> options,
        CancellationToken cancellationToken)
    {
        var parsed = await parser.ParseAsync(context.Request, context.Caller(), cancellationToken);
        if (!parsed.IsValid) return parsed.Error.ToResult();
        if (parsed.Value.Count != 1)
            return ApiError.Invalid($"a job makes one image; n must be 1 (it is {parsed.Value.Count}); " +
                                    "create one job per image or use /v1/images/generations", "n").ToResult();

        Job job;
        try
        {
            job = jobs.Create(parsed.Value, ImageResponses.BaseUrl(context.Request));
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            // Not journaled means a crash could lose it: refuse rather than promise.
            return ApiError.Unavailable($"the job could not be recorded ({ex.Message.TrimEnd('.')}); nothing was queued, retry later").ToResult();
        }
        // The job's token, not the request's: the job outlives this request.
        var status = queue.TryEnqueue(job.Plan.Spec.Tenant, (queued, token) => executor.ExecuteAsync(job, queued, token), job.CancellationToken, out _);
        if (status != EnqueueStatus.Accepted)
        {
            jobs.Remove(job.Id);
            return QueueResponses.Refused(status, context.Response, queue, metrics, options.Value);
        }

        var created = new JobCreatedResponse(job.Id.Value, "job", job.Status, job.Created.ToUnixTimeSeconds(), job.EventsUrl);
        return TypedResults.Accepted($"/v1/jobs/{job.Id}", created);
    }

    /// <summary>The job's state: this instance's job, or, behind a balancer, another instance's as it last published it.</summary>
    public static async Task<Results<Ok<JobResponse>, JsonHttpResult<ErrorResponse>>> GetJob(
        string id, HttpContext context, [FromServices] JobRegistry jobs, CancellationToken cancellationToken)
    {
        if (Find(id, context.Caller(), jobs, out var job) is not { } error) return TypedResults.Ok(job.ToResponse());
        return await FindElsewhereAsync(id, context.Caller(), jobs, cancellationToken) is { } shared ? TypedResults.Ok(shared) : error.ToResult();
    }

    public static async Task<Results<JobEventStream, MirroredJobEventStream, JsonHttpResult<ErrorResponse>>> GetJobEvents(
        string id, HttpContext context, [FromServices] JobRegistry jobs, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        if (Find(id, context.Caller(), jobs, out var job) is not { } error) return new JobEventStream(job.Subscribe(), time);
        if (await FindElsewhereAsync(id, context.Caller(), jobs, cancellationToken) is { } shared && JobId.TryParse(id, out var jobId))
            return new MirroredJobEventStream(jobs.Mirror!, jobId, context.Caller().Tenant, shared, time);
        return error.ToResult();
    }

    public static async Task<Results<Ok<JobResponse>, Accepted<JobResponse>, JsonHttpResult<ErrorResponse>>> CancelJobAsync(
        string id, HttpContext context, [FromServices] JobRegistry jobs, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        if (Find(id, context.Caller(), jobs, out var job) is { } error)
        {
            // Another instance's job: an ended one answers as here; a live one can only be cancelled where it runs.
            return await FindElsewhereAsync(id, context.Caller(), jobs, cancellationToken) switch
            {
                { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled } ended => TypedResults.Ok(ended),
                { } live => ApiError.JobElsewhere(live.Id).ToResult(),
                null => error.ToResult(),
            };
        }
        job.RequestCancel();
        // Give a running generation a moment to stop so the answer can say "cancelled".
        await Task.WhenAny(job.Finished, Task.Delay(CancelWait, time, cancellationToken));
        return job.IsFinal(out _)
            ? TypedResults.Ok(job.ToResponse())
            : TypedResults.Accepted($"/v1/jobs/{job.Id}", job.ToResponse());
    }

    private static async Task<JobResponse?> FindElsewhereAsync(string id, Caller caller, JobRegistry jobs, CancellationToken cancellationToken) =>
        jobs.Mirror is { } mirror && JobId.TryParse(id, out var jobId) ? await mirror.FindAsync(jobId, caller.Tenant, cancellationToken) : null;

    /// <summary>The caller's job; another tenant's job answers exactly like a missing one.</summary>
    private static ApiError? Find(string id, Caller caller, JobRegistry jobs, out Job job)
    {
        job = null!;
        if (!JobId.TryParse(id, out var jobId))
            return ApiError.NotFound($"no job '{(id.Length <= 40 ? id : id[..40] + "...")}' (job ids look like job_ followed by 24 hex digits)", "id");
        return jobs.TryGet(jobId, caller.Tenant, out job) ? null : ApiError.NotFound($"no job '{jobId}'; finished jobs are forgotten after a while", "id");
    }
}

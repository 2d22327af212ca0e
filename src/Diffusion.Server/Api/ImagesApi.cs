using Diffusion.Server.Identity;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Api.Requests;
using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Diffusion.Server.Queue;
using Diffusion.Server.Running;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Api;

/// <summary>OpenAI-compatible image generation, and the stored images it returns URLs to.</summary>
public static class ImagesApi
{
    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/images").WithTags("Images");

        group.MapPost("/generations", CreateImagesAsync)
            .WithName("CreateImages")
            .RequireRateLimiting(GenerationRateLimit.PolicyName)
            .WithMetadata(Idempotency.IdempotentEndpoint.Instance)
            .WithSummary("Generate images from a prompt (OpenAI-compatible, with extensions).")
            .Accepts<ImageGenerationRequest>("application/json")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status415UnsupportedMediaType)
            .Produces<ErrorResponse>(StatusCodes.Status429TooManyRequests)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        // "generations" is never an image id: GET on it is a wrong method (405, Allow: POST), not a bad id.
        group.MapGet("/{id:regex(^(?!generations$))}", GetImage)
            .WithName("GetImage")
            .WithSummary("The PNG of a stored image.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png");

        group.MapGet("/{id:regex(^(?!generations$))}/metadata", GetImageMetadata)
            .WithName("GetImageMetadata")
            .WithSummary("The prompt, settings and cache report of a stored image.");

        return app;
    }

    public static async Task<Results<Ok<ImagesResponse>, JsonHttpResult<ErrorResponse>, StatusCodeHttpResult>> CreateImagesAsync(
        HttpContext context,
        [FromServices] GenerationRequestParser parser,
        [FromServices] GenerationQueue queue,
        [FromServices] GenerationRunner runner,
        [FromServices] ServiceMetrics metrics,
        [FromServices] IOptions<ServerOptions> options,
        [FromServices] TimeProvider time,
        CancellationToken cancellationToken)
    {
        var parsed = await parser.ParseAsync(context.Request, context.Caller(), cancellationToken);
        if (!parsed.IsValid) return parsed.Error.ToResult();
        var plan = parsed.Value;

        // The request's own token: a client that disconnects cancels its queued or running work.
        var status = queue.TryEnqueue(plan.Spec.Tenant,
            (queued, token) => runner.RunAsync(plan, queued, progress: null, token), cancellationToken, out var completion);
        if (status != EnqueueStatus.Accepted)
            return QueueResponses.Refused(status, context.Response, queue, metrics, options.Value);

        try
        {
            var result = await completion;
            var padding = SharedHitPadding.For(result);
            await Task.Delay(padding, time, cancellationToken);
            result = SharedHitPadding.Padded(result, padding);
            return TypedResults.Ok(ImageResponses.ToImagesResponse(result, plan.Format, ImageResponses.BaseUrl(context.Request), time.GetUtcNow()));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return TypedResults.StatusCode(StatusCodes.Status499ClientClosedRequest);
        }
        catch (OperationCanceledException)
        {
            return ApiError.Unavailable("the server is shutting down; the request was not completed").ToResult();
        }
        catch (Exception ex) when (ex is GeneratorUnavailableException or ImageNotStoredException)
        {
            return ApiError.Unavailable(ex.Message).ToResult();
        }
        catch (GenerationRejectedException ex)
        {
            return ApiError.Invalid(ex.Message, ex.Param).ToResult();
        }
    }

    public static Results<FileStreamHttpResult, JsonHttpResult<ErrorResponse>> GetImage(
        string id, HttpContext context, [FromServices] ImageStore store)
    {
        if (!ImageId.TryParse(id, out var imageId)) return BadId(id);
        // Another tenant's image answers exactly like a missing one.
        var stream = store.OpenPng(imageId, context.Caller().Tenant);
        if (stream is null) return ApiError.NotFound($"no image '{imageId}'", "id").ToResult();
        // Ids are never reused, so the bytes behind a URL never change; private: only this tenant may see them.
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.Stream(stream, "image/png", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{imageId}\""));
    }

    public static Results<Ok<GalleryItem>, JsonHttpResult<ErrorResponse>> GetImageMetadata(
        string id, HttpContext context, [FromServices] ImageStore store)
    {
        if (!ImageId.TryParse(id, out var imageId)) return BadId(id);
        if (!store.TryGet(imageId, context.Caller().Tenant, out var record)) return ApiError.NotFound($"no image '{imageId}'", "id").ToResult();
        return TypedResults.Ok(ImageResponses.ToGalleryItem(record, ImageResponses.BaseUrl(context.Request)));
    }

    private static JsonHttpResult<ErrorResponse> BadId(string id) =>
        ApiError.Invalid($"'{(id.Length <= 40 ? id : id[..40] + "...")}' is not an image id ({ImageId.FormatDescription})", "id").ToResult();
}

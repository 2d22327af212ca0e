using Diffusion.Server.Api.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Diffusion.Server.Api;

/// <summary>An error the API answers with: status code plus OpenAI's error fields.</summary>
public sealed record ApiError(int Status, string Message, string Type, string? Param, string? Code)
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";
    public const string RateLimit = "rate_limit_error";

    public static ApiError Invalid(string message, string? param, string code = ErrorCodes.InvalidValue) =>
        new(StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);

    public static ApiError NotFound(string message, string? param = null) =>
        new(StatusCodes.Status404NotFound, message, InvalidRequest, param, ErrorCodes.NotFound);

    public static ApiError UnsupportedMediaType(string message) =>
        new(StatusCodes.Status415UnsupportedMediaType, message, InvalidRequest, null, ErrorCodes.UnsupportedMediaType);

    public static ApiError PayloadTooLarge(string message) =>
        new(StatusCodes.Status413PayloadTooLarge, message, InvalidRequest, null, ErrorCodes.PayloadTooLarge);

    public static ApiError QueueFull(int capacity) =>
        new(StatusCodes.Status429TooManyRequests,
            $"the generation queue is full ({capacity} waiting); retry after the time in the Retry-After header",
            RateLimit, null, ErrorCodes.QueueFull);

    public static ApiError TenantQueueFull(int share) =>
        new(StatusCodes.Status429TooManyRequests,
            $"this tenant already has {share} generations waiting, its share of the queue; retry after the time in the Retry-After header",
            RateLimit, null, ErrorCodes.QueueFull);

    public static ApiError Overloaded(double estimatedWait, double maxWait) =>
        new(StatusCodes.Status429TooManyRequests,
            $"the service is overloaded: new work would wait about {estimatedWait:0.#} s, more than the {maxWait:0.#} s it accepts; " +
            "retry after the time in the Retry-After header", RateLimit, null, ErrorCodes.Overloaded);

    public static ApiError RateLimited(int perMinute) =>
        new(StatusCodes.Status429TooManyRequests,
            $"rate limit of {perMinute} generation requests per minute reached for this tenant; retry after the time in the Retry-After header",
            RateLimit, null, ErrorCodes.RateLimited);

    public static ApiError Unauthenticated(string message) =>
        new(StatusCodes.Status401Unauthorized, message, "authentication_error", null, ErrorCodes.InvalidApiKey);

    public static ApiError Forbidden(string message) =>
        new(StatusCodes.Status403Forbidden, message, "permission_error", null, ErrorCodes.Forbidden);

    public static ApiError Unavailable(string message) =>
        new(StatusCodes.Status503ServiceUnavailable, message, ServerError, null, ErrorCodes.Unavailable);

    public static ApiError JobElsewhere(string id) =>
        new(StatusCodes.Status409Conflict, $"job '{id}' runs on another instance; cancel it through the balancer that accepted it, "
            + "which sends its requests to that instance", InvalidRequest, "id", ErrorCodes.RunsElsewhere);

    public static ApiError JobCancelled { get; } =
        new(StatusCodes.Status409Conflict, "the job was cancelled", InvalidRequest, null, ErrorCodes.Cancelled);

    public static ApiError Internal(string traceId) =>
        new(StatusCodes.Status500InternalServerError,
            $"the server failed to handle the request; it has been logged under trace id {traceId}",
            ServerError, null, ErrorCodes.Internal);

    public ErrorResponse ToResponse() => new(new ErrorBody(Message, Type, Param, Code));

    public JsonHttpResult<ErrorResponse> ToResult() => TypedResults.Json(ToResponse(), statusCode: Status);
}

/// <summary>The <c>code</c> values of <see cref="ApiError"/>.</summary>
public static class ErrorCodes
{
    public const string InvalidValue = "invalid_value";
    public const string InvalidType = "invalid_type";
    public const string InvalidJson = "invalid_json";
    public const string MissingParameter = "missing_parameter";
    public const string UnknownParameter = "unknown_parameter";
    public const string DuplicateParameter = "duplicate_parameter";
    public const string MissingBody = "missing_body";
    public const string NotFound = "not_found";
    public const string ModelNotFound = "model_not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string PayloadTooLarge = "payload_too_large";
    public const string QueueFull = "queue_full";
    public const string Overloaded = "overloaded";
    public const string RateLimited = "rate_limit_exceeded";
    public const string InvalidApiKey = "invalid_api_key";
    public const string Forbidden = "forbidden";
    public const string Unavailable = "service_unavailable";
    public const string Internal = "internal_error";
    public const string Cancelled = "cancelled";
    public const string RunsElsewhere = "job_runs_elsewhere";
}

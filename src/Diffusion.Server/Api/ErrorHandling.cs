using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Diffusion.Server.Api;

/// <summary>
/// Makes every error body OpenAI-shaped: unexpected exceptions become a 500 that names a trace id
/// (the exception handler middleware logs the exception; no stack trace reaches the client), and
/// bodiless errors such as an unknown route (404) or a wrong method (405) get a message.
/// </summary>
public static class ErrorHandling
{
    public static IApplicationBuilder UseOpenAiErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteExceptionAsync });
        app.UseStatusCodePages(context => WriteStatusCodeAsync(context.HttpContext));
        return app;
    }

    private static Task WriteExceptionAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var error = exception is BadHttpRequestException bad
            // Kestrel's own request errors (body too large, malformed framing) carry safe messages.
            ? new ApiError(bad.StatusCode, bad.Message, ApiError.InvalidRequest, null, ErrorCodes.InvalidValue)
            : ApiError.Internal(Activity.Current?.Id ?? context.TraceIdentifier);
        context.Response.StatusCode = error.Status;
        return context.Response.WriteAsJsonAsync(error.ToResponse(), ApiJson.Options, context.RequestAborted);
    }

    private static Task WriteStatusCodeAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        if (status == StatusCodes.Status499ClientClosedRequest) return Task.CompletedTask;
        var request = context.Request;
        var path = request.Path.Value is { Length: > 100 } long_ ? long_[..100] + "..." : request.Path.Value;
        var error = status switch
        {
            StatusCodes.Status401Unauthorized => ApiError.Unauthenticated(
                "missing or invalid API key: send the header 'Authorization: Bearer <key>' with a key from the service's operator"),
            StatusCodes.Status403Forbidden => ApiError.Forbidden($"{request.Method} {path} needs an admin key"),
            StatusCodes.Status404NotFound => ApiError.NotFound($"no endpoint {request.Method} {path}; see /openapi/v1.json"),
            // Routing refuses a body type an endpoint does not accept before the endpoint runs.
            StatusCodes.Status415UnsupportedMediaType => Requests.GenerationRequestReader.CheckContentType(request.ContentType)
                                                         ?? ApiError.UnsupportedMediaType("send the body as application/json"),
            StatusCodes.Status405MethodNotAllowed => new ApiError(status, $"method {request.Method} is not allowed on {path}",
                ApiError.InvalidRequest, null, ErrorCodes.MethodNotAllowed),
            >= 500 => new ApiError(status, ReasonPhrases.GetReasonPhrase(status), ApiError.ServerError, null, null),
            _ => new ApiError(status, ReasonPhrases.GetReasonPhrase(status), ApiError.InvalidRequest, null, null),
        };
        return context.Response.WriteAsJsonAsync(error.ToResponse(), ApiJson.Options, context.RequestAborted);
    }
}

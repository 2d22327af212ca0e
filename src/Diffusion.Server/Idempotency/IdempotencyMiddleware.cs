using System.Security.Cryptography;
using Diffusion.Server.Api;
using Diffusion.Server.Api.Requests;
using Diffusion.Server.Identity;
using Diffusion.Server.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on the endpoints marked <see cref="IdempotentEndpoint"/>: the first request with a key runs and
/// its successful response is stored; a retry with the same key and body gets that response again (header
/// <c>Idempotent-Replayed: true</c>) instead of a second generation, on whichever instance it lands when the store is
/// shared. A retry that arrives while the first attempt still runs waits for it; if that attempt's instance died, its
/// claim lapses after the lease and the retry runs the request itself. The same key with another body is refused (422).
/// Failed attempts (not 2xx) are not stored, so a retry runs again.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IIdempotencyStore store, IOptions<ServerOptions> options, TimeProvider time,
    ILogger<IdempotencyMiddleware> logger)
{
    /// <summary>How long a running attempt's claim lasts without renewal: the wait before a retry takes over from a dead instance.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is null
            || !context.Request.Headers.TryGetValue(IdempotencyKey.Header, out var values))
        {
            await next(context);
            return;
        }
        var problem = values.Count != 1 ? $"send one {IdempotencyKey.Header} header, not {values.Count}" : IdempotencyKey.Problem(values[0]!);
        if (problem is not null)
        {
            await WriteAsync(context, ApiError.Invalid(problem, IdempotencyKey.Header));
            return;
        }
        var key = values[0]!;
        var body = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (body is null)
        {
            await next(context);   // too large or unreadable: the endpoint answers as it would without the key
            return;
        }
        var tenant = context.Caller().Tenant;
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData([.. System.Text.Encoding.UTF8.GetBytes($"{context.Request.Method} {context.Request.Path}\n"), .. body]));
        try
        {
            while (true)
            {
                var claim = await store.ClaimAsync(tenant, key, fingerprint, Lease, context.RequestAborted);
                switch (claim.Status)
                {
                    case IdempotencyClaimStatus.Completed:
                        await ReplayAsync(context, claim.Response!);
                        return;
                    case IdempotencyClaimStatus.Mismatch:
                        await WriteAsync(context, new ApiError(StatusCodes.Status422UnprocessableEntity,
                            $"the {IdempotencyKey.Header} was already used for a different request; use a new key for new work",
                            ApiError.InvalidRequest, IdempotencyKey.Header, ErrorCodes.InvalidValue));
                        return;
                    case IdempotencyClaimStatus.InProgress:
                        // the first attempt is still running (or its instance died and the lease has not lapsed): wait for it
                        await Task.Delay(Poll, time, context.RequestAborted);
                        continue;
                    case IdempotencyClaimStatus.Claimed:
                        await RunAsync(context, tenant, key, fingerprint);
                        return;
                }
            }
        }
        catch (IdempotencyUnavailableException e)
        {
            logger.LogWarning("Idempotent request refused: {Message}", e.Message);
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, ApiError.Unavailable($"{e.Message}; retry with the same {IdempotencyKey.Header}"));
            }
        }
    }

    private async Task RunAsync(HttpContext context, Diffusion.CacheStore.TenantId tenant, string key, string fingerprint)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        using var renewal = new CancellationTokenSource();
        var renewing = RenewAsync(tenant, key, fingerprint, renewal.Token);
        var stored = false;
        try
        {
            await next(context);
            if (context.Response.StatusCode is >= 200 and < 300)
            {
                await store.CompleteAsync(tenant, key, fingerprint, new StoredResponse(context.Response.StatusCode, context.Response.ContentType,
                    context.Response.Headers.Location.FirstOrDefault(), buffer.ToArray()), Retention, CancellationToken.None);
                stored = true;
            }
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
            if (!stored)
            {
                // nothing to replay: the next retry runs the request again
                await store.ReleaseAsync(tenant, key, fingerprint, CancellationToken.None);
            }
            context.Response.Body = original;
            if (buffer.Length > 0 && !context.RequestAborted.IsCancellationRequested)
            {
                buffer.Position = 0;
                await buffer.CopyToAsync(original, context.RequestAborted);
            }
        }
    }

    private async Task RenewAsync(Diffusion.CacheStore.TenantId tenant, string key, string fingerprint, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Lease / 3, time, cancellationToken);
                await store.RenewAsync(tenant, key, fingerprint, Lease, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IdempotencyUnavailableException e)
        {
            // the attempt goes on; if the claim lapses meanwhile a retry may run it too, which the store then reports
            logger.LogWarning("Could not renew idempotency key claim: {Message}", e.Message);
        }
    }

    private TimeSpan Retention => TimeSpan.FromSeconds(options.Value.IdempotencyRetentionSeconds);

    private static async Task ReplayAsync(HttpContext context, StoredResponse response)
    {
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        if (response.Location is { } location)
        {
            context.Response.Headers.Location = location;
        }
        context.Response.Headers[IdempotencyKey.ReplayedHeader] = "true";
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
    }

    private static Task WriteAsync(HttpContext context, ApiError error)
    {
        context.Response.StatusCode = error.Status;
        return context.Response.WriteAsJsonAsync(error.ToResponse(), ApiJson.Options, context.RequestAborted);
    }

    /// <summary>The whole body, left readable for the endpoint; null when it is over the endpoint's limit or cannot be read.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > GenerationRequestReader.MaxBodyBytes)
        {
            return null;
        }
        request.EnableBuffering(bufferThreshold: 64 * 1024);
        try
        {
            return await GenerationRequestReader.ReadBodyAsync(request.Body, cancellationToken);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException)
        {
            return null;
        }
        finally
        {
            if (request.Body.CanSeek)
            {
                request.Body.Position = 0;
            }
        }
    }
}

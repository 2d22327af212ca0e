using System.Text;
using System.Text.Json;
using Diffusion.Server.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Diffusion.Server.Api;

/// <summary>
/// Writes a job's events as Server-Sent Events (<c>event: progress|result|error</c>, JSON data), one
/// flush per event. It opens with a comment so the client knows it is subscribed, and sends a
/// keep-alive comment when nothing happened for <see cref="KeepAlive"/> (proxies drop idle streams).
/// The stream ends after the final event.
/// </summary>
public sealed class JobEventStream(JobSubscription subscription, TimeProvider time) : IResult
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    public const string ContentType = "text/event-stream";

    public async Task ExecuteAsync(HttpContext context)
    {
        using var owned = subscription;
        var response = Open(context);
        var cancellationToken = context.RequestAborted;

        try
        {
            await WriteAsync(response, ": subscribed\n\n", cancellationToken);
            if (subscription.First is { } first) await WriteEventAsync(response, first, cancellationToken);
            if (subscription.Reader is not { } reader) return;

            var waiting = reader.WaitToReadAsync(cancellationToken).AsTask();
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var done = await Task.WhenAny(waiting, Task.Delay(KeepAlive, time, idle.Token));
                if (done != waiting)
                {
                    await WriteAsync(response, ": keep-alive\n\n", cancellationToken);
                    continue;
                }
                await idle.CancelAsync();
                if (!await waiting) return; // the final event was read: the job is over
                while (reader.TryRead(out var next)) await WriteEventAsync(response, next, cancellationToken);
                waiting = reader.WaitToReadAsync(cancellationToken).AsTask();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; nothing more to send.
        }
    }

    /// <summary>Sets the response up as an unbuffered, uncached event stream (also through proxies); returns it.</summary>
    internal static HttpResponse Open(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return response;
    }

    internal static Task WriteEventAsync(HttpResponse response, JobEvent value, CancellationToken cancellationToken)
    {
        // Compact JSON has no line breaks, so one data line carries it.
        var json = JsonSerializer.Serialize(value.Data, value.Data.GetType(), ApiJson.Options);
        return WriteAsync(response, $"event: {value.Type}\ndata: {json}\n\n", cancellationToken);
    }

    internal static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}

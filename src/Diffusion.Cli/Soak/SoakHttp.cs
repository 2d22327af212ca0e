using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Diffusion.Cli.Soak;

/// <summary>One call's result: an HTTP answer, or why none came.</summary>
public sealed record HttpCall(int? Status, string Body, bool RetryAfter, TransportFailure Transport, string? Problem, double Start, double End);

/// <summary>
/// The soak's HTTP calls to the service. Every call returns a <see cref="HttpCall"/> instead of
/// throwing, and every 5xx answer is also kept for the accounting, whichever call got it.
/// </summary>
public sealed class SoakHttp(HttpClient http, Uri baseAddress, SoakClock clock) : IDisposable
{
    private readonly ConcurrentQueue<ServerErrorAnswer> serverErrors = new();

    public HttpClient Client => http;
    public Uri BaseAddress => baseAddress;
    public IReadOnlyList<ServerErrorAnswer> ServerErrors => serverErrors.ToArray();

    /// <summary>A client for loopback: short connect timeout (a dead service is refused at once), no proxy, pooled connections recycled often.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        UseProxy = false,
        MaxConnectionsPerServer = 512,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Task<HttpCall> PostJsonAsync(string path, string json, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, () => new StringContent(json, Encoding.UTF8, "application/json"), timeout, cancellationToken);

    public Task<HttpCall> GetAsync(string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, timeout, cancellationToken);

    /// <summary>Opens a GET whose body is read by the caller (an event stream); null with the failure when it could not.</summary>
    public async Task<(HttpResponseMessage? Response, HttpCall? Failure)> OpenStreamAsync(string path, CancellationToken cancellationToken)
    {
        var start = clock.Seconds;
        try
        {
            var response = await http.GetAsync(new Uri(baseAddress, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode) return (response, null);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var call = Answer(HttpMethod.Get, path, response, body, start);
            response.Dispose();
            return (null, call);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (null, Failed(e, start));
        }
    }

    /// <summary>
    /// A job that failed with the server's own error (what a synchronous request gets as 500 or 503)
    /// counts as a 5xx too, from its acceptance to when its failure was seen.
    /// </summary>
    public void RecordJobFailure(string jobId, double acceptedAt, double seenAt, int status, string? message) =>
        serverErrors.Enqueue(new ServerErrorAnswer(acceptedAt, seenAt, "JOB", $"/v1/jobs/{{id}} failed ({jobId})", status, message ?? $"HTTP {status}"));

    private async Task<HttpCall> SendAsync(HttpMethod method, string path, Func<HttpContent>? content, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var start = clock.Seconds;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(baseAddress, path));
            if (content is not null) request.Content = content();
            using var response = await http.SendAsync(request, limit.Token);
            var body = await response.Content.ReadAsStringAsync(limit.Token);
            return Answer(method, path, response, body, start);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HttpCall(null, "", false, TransportFailure.Timeout, $"no answer within {timeout.TotalSeconds:0} s", start, clock.Seconds);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Failed(e, start);
        }
    }

    private HttpCall Answer(HttpMethod method, string path, HttpResponseMessage response, string body, double start)
    {
        var status = (int)response.StatusCode;
        var end = clock.Seconds;
        if (status >= 500)
            serverErrors.Enqueue(new ServerErrorAnswer(start, end, method.Method, RouteOf(path), status, ErrorMessage(body, status)));
        var retryAfter = response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is RetryConditionHeaderValue;
        return new HttpCall(status, body, retryAfter, TransportFailure.None, status >= 400 ? ErrorMessage(body, status) : null, start, end);
    }

    private HttpCall Failed(Exception e, double start)
    {
        // A connection that could not be made never carried the request; any other failure came after sending it.
        var refused = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
        return new HttpCall(null, "", false, refused ? TransportFailure.Refused : TransportFailure.Lost, e.Message, start, clock.Seconds);
    }

    /// <summary>The error message of an OpenAI-style error body, else the body's start.</summary>
    public static string ErrorMessage(string body, int status)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && message.ValueKind == System.Text.Json.JsonValueKind.String)
                return message.GetString() ?? $"HTTP {status}";
        }
        catch (System.Text.Json.JsonException)
        {
            // not JSON: fall through to the text
        }
        var text = body.Trim();
        return text.Length == 0 ? $"HTTP {status}" : text.Length <= 200 ? text : text[..200] + "...";
    }

    /// <summary>Job ids out of the path, so the report groups calls by route.</summary>
    private static string RouteOf(string path) =>
        System.Text.RegularExpressions.Regex.Replace(path, "job_[0-9a-f]+", "{id}");

    public void Dispose() => http.Dispose();
}

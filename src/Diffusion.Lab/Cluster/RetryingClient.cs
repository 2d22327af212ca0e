using System.Diagnostics;
using System.Net;
using System.Text;
using Diffusion.Replay.Client;

namespace Diffusion.Lab.Cluster;

/// <summary>One request's fate through the balancer.</summary>
/// <param name="Instance">The instance whose answer the client kept (<c>X-Served-By</c>); null when none came.</param>
/// <param name="StoredAs">The cache entry this request's run was stored as, when stored.</param>
/// <param name="SourceId">On a hit, the entry it started from.</param>
public sealed record ClusterRequestResult(int Index, bool Answered, string? Instance, int Attempts, bool Replayed, bool Hit, int K,
    string? SourceId, string? StoredAs, double Seconds, string? LastError);

/// <summary>
/// What a careful client does in front of a cluster: each request carries an <c>Idempotency-Key</c>, and on a lost
/// connection, a 5xx from the balancer or a 429 it sends the same request with the same key again (after a short
/// pause) until it has an answer or its time is up; then the request is lost. A retry of a request the dead instance
/// had taken waits for its claim to lapse and is then run once.
/// </summary>
public sealed class RetryingClient(HttpClient balancer, TimeSpan retryFor, TimeSpan attemptTimeout)
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(300);

    public async Task<ClusterRequestResult> SendAsync(int index, GenerationRequestBody body, string key, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var json = body.ToJson();
        string? lastError = null;
        for (var attempt = 1; ; attempt++)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(attemptTimeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, GenerationClient.GenerationsPath)
                    {
                        Content = new StringContent(json, Encoding.UTF8, "application/json"),
                    };
                    request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
                    using var response = await balancer.SendAsync(request, timeout.Token).ConfigureAwait(false);
                    var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return Answered(index, response, text, attempt, clock.Elapsed.TotalSeconds);
                    }
                    lastError = $"HTTP {(int)response.StatusCode}: {Clip(text)}";
                    if (!IsRetryable(response.StatusCode))
                    {
                        return new ClusterRequestResult(index, false, null, attempt, false, false, 0, null, null, clock.Elapsed.TotalSeconds, lastError);
                    }
                }
                catch (HttpRequestException ex)
                {
                    lastError = "transport: " + ex.Message;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    lastError = $"no answer within {attemptTimeout.TotalSeconds:0} s";
                }
            }
            if (clock.Elapsed + Pause > retryFor)
            {
                return new ClusterRequestResult(index, false, null, attempt, false, false, 0, null, null, clock.Elapsed.TotalSeconds, lastError);
            }
            await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Worth the same request again: the balancer found no instance (502/503/504), or a queue was full (429).</summary>
    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static ClusterRequestResult Answered(int index, HttpResponseMessage response, string text, int attempts, double seconds)
    {
        var instance = response.Headers.TryGetValues("X-Served-By", out var served) ? served.FirstOrDefault() : null;
        var replayed = response.Headers.Contains("Idempotent-Replayed");
        var cache = GenerationAnswerParser.Parse((int)response.StatusCode, text, attempts, 0).Cache;
        return new ClusterRequestResult(index, true, instance, attempts, replayed, cache?.Hit ?? false, cache?.K ?? 0,
            cache?.SourceId, cache?.StoredAs, seconds, null);
    }

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Diffusion.Replay.Records;

namespace Diffusion.Replay.Client;

/// <summary>
/// Sends one generation request and waits for its final answer. A 429 (queue full) is not an
/// answer: the request is sent again after the <see cref="RetryPolicy"/>'s delay, which honours
/// Retry-After, until it is accepted or the retry limit is reached. Every call returns an answer;
/// nothing it sends is lost.
/// </summary>
public sealed class GenerationClient(HttpClient http, RetryPolicy retry, TimeProvider time, TimeSpan requestTimeout)
{
    /// <summary>Relative to the server's base address.</summary>
    public const string GenerationsPath = "v1/images/generations";

    /// <param name="body">The request.</param>
    /// <param name="onRetry">Called after each 429, so progress can count retries as they happen.</param>
    /// <param name="abort">Abandons the request (the replay is stopping and the drain time ran out).</param>
    public async Task<GenerationAnswer> SendAsync(GenerationRequestBody body, Action? onRetry, CancellationToken abort)
    {
        var json = body.ToJson();
        var attempts = 0;
        var retries = 0;
        while (true)
        {
            attempts++;
            int status;
            string text;
            TimeSpan? retryAfter;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort))
            {
                timeout.CancelAfter(requestTimeout);
                try
                {
                    using var content = new StringContent(json, Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync(GenerationsPath, content, timeout.Token);
                    status = (int)response.StatusCode;
                    retryAfter = RetryAfter(response.Headers.RetryAfter);
                    text = await response.Content.ReadAsStringAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (abort.IsCancellationRequested)
                {
                    return new GenerationAnswer(RequestOutcome.Abandoned, null, "abandoned: the replay stopped before the answer came", attempts, retries);
                }
                catch (OperationCanceledException)
                {
                    return new GenerationAnswer(RequestOutcome.Failed, null,
                        $"no answer within {requestTimeout.TotalSeconds:0.#} s", attempts, retries);
                }
                catch (HttpRequestException ex)
                {
                    return new GenerationAnswer(RequestOutcome.Failed, null, $"transport error: {ex.Message}", attempts, retries);
                }
            }

            if (status != (int)HttpStatusCode.TooManyRequests)
                return GenerationAnswerParser.Parse(status, text, attempts, retries);

            retries++;
            onRetry?.Invoke();
            if (retries > retry.MaxRetries)
                return new GenerationAnswer(RequestOutcome.Failed, status,
                    $"still refused with 429 after {retry.MaxRetries} retries", attempts, retries);
            try
            {
                await Task.Delay(retry.DelayBefore(retries, retryAfter), time, abort);
            }
            catch (OperationCanceledException)
            {
                return new GenerationAnswer(RequestOutcome.Abandoned, status, "abandoned while waiting to retry after 429", attempts, retries);
            }
        }
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}

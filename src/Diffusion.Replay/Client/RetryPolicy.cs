namespace Diffusion.Replay.Client;

/// <summary>
/// How long to wait after a 429: never less than the server's Retry-After, and at least an
/// exponential backoff (base × 2^(retry−1), capped), so a server that sends no Retry-After is not hammered.
/// </summary>
public sealed record RetryPolicy(int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxBackoff)
{
    public static RetryPolicy WithRetries(int maxRetries) => new(maxRetries, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));

    /// <param name="retry">1 for the first retry.</param>
    /// <param name="retryAfter">The server's Retry-After, when it sent one.</param>
    public TimeSpan DelayBefore(int retry, TimeSpan? retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var backoff = BaseDelay * Math.Pow(2, Math.Min(retry - 1, 30));
        if (backoff > MaxBackoff) backoff = MaxBackoff;
        return retryAfter is { } after && after > backoff ? after : backoff;
    }
}

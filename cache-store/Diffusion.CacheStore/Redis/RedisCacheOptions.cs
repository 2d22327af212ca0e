namespace Diffusion.CacheStore;

/// <summary>Settings for the shared Redis metadata backend and latent device; validated at start-up.</summary>
public sealed record RedisCacheOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. "127.0.0.1:6379" or "host:6379,password=…".</summary>
    public string Configuration { get; init; } = "127.0.0.1:6379";

    /// <summary>Prefix of every key; tenants follow it ("{prefix}{tenant}:…").</summary>
    public string KeyPrefix { get; init; } = "diffusion:cache:";

    /// <summary>How long one operation may take before it reports "unavailable".</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the update stream is polled for other instances' changes.</summary>
    public TimeSpan StreamPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The update stream is trimmed to about this many events.</summary>
    public int StreamMaxLength { get; init; } = 100_000;

    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            problems.Add("Configuration is empty; give the Redis endpoint, e.g. \"127.0.0.1:6379\".");
        }
        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Any(char.IsWhiteSpace))
        {
            problems.Add($"KeyPrefix '{KeyPrefix}' must be non-empty without spaces (e.g. \"diffusion:cache:\").");
        }
        if (OperationTimeout <= TimeSpan.Zero || OperationTimeout > TimeSpan.FromSeconds(30))
        {
            problems.Add($"OperationTimeout {OperationTimeout} must be between 0 and 30 seconds; keep it short so callers degrade quickly.");
        }
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add($"ConnectTimeout {ConnectTimeout} must be positive.");
        }
        if (StreamPollInterval <= TimeSpan.Zero)
        {
            problems.Add($"StreamPollInterval {StreamPollInterval} must be positive.");
        }
        if (StreamMaxLength < 1000)
        {
            problems.Add($"StreamMaxLength {StreamMaxLength} is too small for instances to catch up; use at least 1000.");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid Redis cache options: " + string.Join(" ", problems));
        }
    }
}

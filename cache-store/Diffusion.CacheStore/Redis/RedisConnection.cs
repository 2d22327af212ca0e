using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Diffusion.CacheStore;

/// <summary>
/// One connection to Redis shared by the metadata backend and latent device. It never blocks callers
/// for long: commands fail fast while disconnected, each operation is bounded by the operation timeout,
/// and the multiplexer reconnects by itself in the background.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly ILogger _logger;
    private int _available = 1;

    private RedisConnection(ConnectionMultiplexer multiplexer, RedisCacheOptions options, ILogger logger)
    {
        _multiplexer = multiplexer;
        Options = options;
        _logger = logger;
        Keys = new RedisKeys(options.KeyPrefix);
    }

    public RedisCacheOptions Options { get; }

    internal RedisKeys Keys { get; }

    public bool IsConnected => _multiplexer.IsConnected;

    /// <summary>The database, for the service's own shared state (idempotency keys) on the same connection.</summary>
    public IDatabase Database => _multiplexer.GetDatabase();

    internal ConnectionMultiplexer Multiplexer => _multiplexer;

    /// <summary>Connects, or returns a connection that keeps retrying when Redis is not reachable yet.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisCacheOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = 1;
        configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)options.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)options.OperationTimeout.TotalMilliseconds;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken).ConfigureAwait(false);
        // Without AbortOnConnectFail the multiplexer may return before its handshake is done, and commands fail fast
        // meanwhile: the store would drop its first writes as if Redis were down. Wait for it, up to the connect timeout.
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (!multiplexer.IsConnected && waiting.Elapsed < options.ConnectTimeout)
        {
            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
        logger ??= NullLogger.Instance;
        if (!multiplexer.IsConnected)
        {
            logger.LogWarning("Redis at {Configuration} is not reachable yet; the cache runs local-only until it is", options.Configuration);
        }
        return new RedisConnection(multiplexer, options, logger);
    }

    /// <summary>Runs one operation within the timeout; reports failure instead of throwing.</summary>
    internal async Task<(bool Ok, T? Value)> TryAsync<T>(string what, Func<IDatabase, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        try
        {
            T value = await operation(Database).WaitAsync(Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
            MarkAvailable();
            return (true, value);
        }
        catch (RedisException ex)
        {
            MarkUnavailable(what, ex.Message);
        }
        catch (TimeoutException ex)
        {
            MarkUnavailable(what, ex.Message);
        }
        return (false, default);
    }

    /// <summary>Runs one operation within the timeout; turns failure into <see cref="IOException"/> (for the device contract).</summary>
    internal async Task<T> RunOrThrowIOAsync<T>(string what, Func<IDatabase, Task<T>> operation, CancellationToken cancellationToken)
    {
        var (ok, value) = await TryAsync(what, operation, cancellationToken).ConfigureAwait(false);
        return ok ? value! : throw new IOException($"Redis is unavailable ({what}).");
    }

    public async ValueTask DisposeAsync() => await _multiplexer.DisposeAsync().ConfigureAwait(false);

    private void MarkAvailable()
    {
        if (Interlocked.Exchange(ref _available, 1) == 0)
        {
            _logger.LogInformation("Redis is reachable again");
        }
    }

    private void MarkUnavailable(string what, string message)
    {
        // One line per outage, not one per failed operation.
        if (Interlocked.Exchange(ref _available, 0) == 1)
        {
            _logger.LogWarning("Redis is unavailable ({What}: {Message}); the cache degrades to local-only", what, message);
        }
    }
}

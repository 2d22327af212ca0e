using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Caching;

/// <summary>
/// Opens the cache in the background once the host has started, so the host listens at once and /healthz can say
/// "starting" while a large store's recovery scan and index rebuild run. Logs how long the opening took. A failure is
/// logged, kept for /healthz and stops the host: the service was asked to serve with this cache, and a supervisor that
/// sees the process end can restart it (serve exits with the reason).
/// </summary>
public sealed class CacheStartup(CacheOpener open, CacheReadiness readiness, IHostApplicationLifetime lifetime, TimeProvider time,
    ILogger<CacheStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        OpenedCache cache;
        try
        {
            // Opens once the host has started (on the thread pool, holding nothing up), so an early failure stops a
            // started host (a clean shutdown) rather than breaking its start.
            await HostStartedAsync(stoppingToken).ConfigureAwait(false);
            started = time.GetTimestamp();
            cache = await open(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("The host stopped while the cache was opening ({Milliseconds:0} ms in)", Elapsed(started));
            return;
        }
        catch (Exception ex)
        {
            // Whatever its kind (corrupt index, unreadable store, Redis refusing), a cache that cannot open is a failed start.
            logger.LogError(ex, "The cache could not be opened ({Milliseconds:0} ms), so the service stops: {Problem}", Elapsed(started), ex.Message);
            readiness.Fail(ex.Message);
            lifetime.StopApplication();
            return;
        }
        readiness.Open(cache);
        var store = cache.Cache.Store.Stats;
        logger.LogInformation("Cache opened in {Milliseconds:0} ms: {Entries} entries, {Latents} latents, {UsedBytes} of {MaxBytes} bytes; index {Index}",
            Elapsed(started), store.Entries, store.Latents, store.UsedBytes, store.MaxBytes, cache.Cache.IndexStart);
    }

    private async Task HostStartedAsync(CancellationToken cancellationToken)
    {
        var hostStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => hostStarted.TrySetResult()))
        {
            await hostStarted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private double Elapsed(long started) => time.GetElapsedTime(started).TotalMilliseconds;
}

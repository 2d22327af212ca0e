using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Queue;

/// <summary>Runs <see cref="ServerOptions.Workers"/> loops that take work from the <see cref="GenerationQueue"/>.</summary>
public sealed class GenerationWorker(
    GenerationQueue queue,
    ServiceMetrics metrics,
    TimeProvider time,
    IOptions<ServerOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = Enumerable.Range(0, options.Value.Workers).Select(_ => RunLoopAsync(stoppingToken));
        await Task.WhenAll(loops);
        queue.AbandonAll();
    }

    private async Task RunLoopAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            QueuedWork work;
            try
            {
                work = await queue.DequeueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            metrics.InFlight.Inc();
            try
            {
                await work.RunAsync(time.GetElapsedTime(work.EnqueuedTimestamp), stoppingToken);
            }
            finally
            {
                metrics.InFlight.Dec();
            }
        }
    }
}

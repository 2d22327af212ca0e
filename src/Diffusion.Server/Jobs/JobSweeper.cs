using Diffusion.Server.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Jobs;

/// <summary>Periodically drops finished jobs older than the retention from the <see cref="JobRegistry"/>.</summary>
public sealed class JobSweeper(JobRegistry registry, TimeProvider time, IOptions<ServerOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Clamp(options.Value.JobRetentionSeconds / 4.0, 1, 60));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) registry.RemoveExpired();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }
}

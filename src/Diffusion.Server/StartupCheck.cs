using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Diffusion.Server;

/// <summary>
/// Fails start-up, with a message, when the composition root forgot the generator; and opens the
/// image store (creating the data directory, loading the index) before the first request.
/// Runs after options validation, as the first hosted service.
/// </summary>
internal sealed class StartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IImageGenerator>() is null)
            throw new InvalidOperationException(
                $"No {nameof(IImageGenerator)} is registered. The composition root must register one " +
                $"(the real pipeline adapter, or {nameof(PipelineNotWiredGenerator)}) before building the host.");
        services.GetRequiredService<ImageStore>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

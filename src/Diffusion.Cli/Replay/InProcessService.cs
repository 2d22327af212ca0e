using Diffusion.Cli.Commands;
using Diffusion.Inference.Onnx;
using Diffusion.Server.Caching;
using Diffusion.Server.Generation;
using Diffusion.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Diffusion.Cli.Replay;

/// <summary>Where the in-process service loads its models from and keeps its data.</summary>
public sealed record InProcessServiceOptions(string ModelsDirectory, string DataDirectory);

/// <summary>
/// The real <c>serve</c> composition started inside the replay's process, listening on a free
/// loopback port chosen by the OS, so the replay reaches it over HTTP like any other server.
/// </summary>
public sealed class InProcessService : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private readonly WebApplication app;

    private InProcessService(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <exception cref="OptionsValidationException">Invalid server settings.</exception>
    /// <exception cref="IOException">The models cannot be loaded or the port cannot be bound.</exception>
    /// <exception cref="GeneratorUnavailableException">The cache cannot be opened.</exception>
    public static async Task<InProcessService> StartAsync(InProcessServiceOptions options, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?>
        {
            [$"{ServerOptions.SectionName}:{nameof(ServerOptions.DataDirectory)}"] = options.DataDirectory,
            // The service shares the replay's console: only its warnings and errors, not start-up chatter.
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Logging:LogLevel:Diffusion"] = "Warning",
        };
        // Port 0: the OS picks a free port at bind time, so there is no race with other processes.
        var app = ServeCommand.Build("http://127.0.0.1:0", overrides,
            new ModelHostingOptions(options.ModelsDirectory, 0, ExecutionProviderKind.Cpu));
        var started = false;
        try
        {
            // Resolved before start so a bad setting or model folder is one clear error, as in serve.
            _ = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
            _ = app.Services.GetRequiredService<IImageGenerator>();
            await app.StartAsync(cancellationToken);
            // A replay measures a warm service: its first requests should not also wait for the cache to open.
            if (app.Services.GetService<CacheReadiness>() is { } cache) await cache.WaitAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                          ?? throw new InvalidOperationException("the in-process service started without a listening address");
            started = true;
            return new InProcessService(app, new Uri(address));
        }
        finally
        {
            if (!started) await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
            await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }
}

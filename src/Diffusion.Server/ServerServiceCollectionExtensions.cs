using Diffusion.Server.Api;
using Diffusion.Server.Api.Requests;
using Diffusion.Server.Caching;
using Diffusion.Server.Identity;
using Diffusion.Server.Idempotency;
using Diffusion.Server.Images;
using Diffusion.Server.Jobs;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Diffusion.Server.Queue;
using Diffusion.Server.Running;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Diffusion.Server;

public static class ServerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the web host's services and binds <see cref="ServerOptions"/> from the "Server"
    /// section of <paramref name="configuration"/>, validated at start-up. The caller must also
    /// register an <see cref="Generation.IImageGenerator"/>; a <see cref="TimeProvider"/> registered
    /// before this call (a fake one in tests) is kept.
    /// </summary>
    public static IServiceCollection AddDiffusionServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServerOptions>()
            .Bind(configuration.GetSection(ServerOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<ServiceMetrics>();
        services.AddSingleton<ImageStore>();
        services.AddSingleton<GenerationQueue>();
        services.AddSingleton<GenerationRunner>();
        services.AddSingleton<GenerationRequestParser>();
        services.AddSingleton<JobJournal>();
        services.AddSingleton<JobRegistry>();
        services.AddSingleton<JobExecutor>();
        // one instance keeps idempotency keys in memory; serve with --cache-redis registers the Redis store after this (the later one wins)
        services.TryAddSingleton<IIdempotencyStore>(sp => new MemoryIdempotencyStore(sp.GetRequiredService<TimeProvider>()));

        services.AddHostedService<StartupCheck>();
        services.AddHostedService<JobRecovery>();
        services.AddHostedService<GenerationWorker>();
        services.AddHostedService<JobSweeper>();

        services.AddServerIdentity();
        services.AddGenerationRateLimit();
        services.AddRouting();
        services.ConfigureHttpJsonOptions(json => ApiJson.Apply(json.SerializerOptions));
        services.AddOpenApi();
        return services;
    }

    /// <summary>
    /// Opens the approximate cache with <paramref name="opener"/> in the background at start-up (<see cref="CacheStartup"/>);
    /// <see cref="CacheReadiness"/> tells /healthz and the generator when it is open. Without this call the service has no cache.
    /// </summary>
    public static IServiceCollection AddCacheStartup(this IServiceCollection services, Func<IServiceProvider, CacheOpener> opener)
    {
        services.AddSingleton(opener);
        services.AddSingleton<CacheReadiness>();
        services.AddHostedService<CacheStartup>();
        return services;
    }
}

using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Server;
using Diffusion.Server.Caching;
using Diffusion.Server.Generation;
using Diffusion.Server.Identity;
using Diffusion.Server.Idempotency;
using Diffusion.Server.Jobs;
using Diffusion.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Cli.Commands;

/// <summary>Where the served models come from, how ONNX Runtime runs them, and the latent cache beside them.</summary>
/// <param name="Cache">False serves every request as a full run (no lookups, nothing stored).</param>
/// <param name="CacheSize">Disk budget of the latent store, e.g. "2GB"; LCBFU evicts beyond it.</param>
/// <param name="Redis">A Redis address ("127.0.0.1:6379") to share the cache between instances; null keeps it local.</param>
/// <param name="Policy">Who the engine runs next at each iteration boundary.</param>
/// <param name="KTables">The cache's similarity→K tables; null uses the shipped k-table.json.</param>
public sealed record ModelHostingOptions(string ModelsDirectory, int IntraOpThreads, ExecutionProviderKind Provider,
    bool Cache = true, string CacheSize = "2GB", string? Redis = null, SchedulingPolicy Policy = SchedulingPolicy.Fcfs, bool AdaptiveK = false,
    KTableSet? KTables = null);

/// <summary>
/// Registers the loaded model family, the engine (diffusion jobs and the prompt-expanding LLM), the
/// approximate cache under the server's data directory (opened in the background at start-up), and the generator
/// the web host calls.
/// </summary>
public static class ModelHosting
{
    public static IServiceCollection AddModelHosting(this IServiceCollection services, ModelHostingOptions options)
    {
        var cacheBytes = ByteSize.Parse(options.CacheSize); // a bad size fails here, before anything loads
        services.AddSingleton(_ => DiffusionModels.Load(options.ModelsDirectory,
            new OnnxRuntimeOptions { IntraOpThreads = options.IntraOpThreads, ExecutionProvider = options.Provider }));
        services.AddSingleton(sp => new DiffusionPipeline(sp.GetRequiredService<DiffusionModels>(), sp.GetService<TimeProvider>()));
        var engine = new EngineOptions();
        engine = engine with { Scheduler = engine.Scheduler with { Policy = options.Policy } };
        services.AddSingleton(sp => EngineHost.StartForModels(engine, sp.GetRequiredService<DiffusionPipeline>(),
            options.ModelsDirectory, sp.GetService<TimeProvider>()));
        if (options.Redis is { } redis)
        {
            // Instances behind one load balancer share their idempotency keys (a retry after a failover replays the first
            // response) and their jobs' states (any instance answers GET /v1/jobs/{id}), on one connection.
            services.AddSingleton(sp =>
                RedisConnection.ConnectAsync(new RedisCacheOptions { Configuration = redis }, Logger(sp, "Diffusion.Server.SharedState")).GetAwaiter().GetResult());
            services.AddSingleton<IIdempotencyStore>(sp => new RedisIdempotencyStore(sp.GetRequiredService<RedisConnection>()));
            services.AddSingleton<RedisJobMirror>();
        }
        if (options.Cache)
        {
            services.AddCacheStartup(sp => cancellationToken => CacheHosting.OpenAsync(sp, options, cacheBytes, cancellationToken));
        }
        services.AddSingleton<IImageGenerator>(sp =>
        {
            var pipeline = sp.GetRequiredService<DiffusionPipeline>();
            var engine = sp.GetRequiredService<EngineHost>();
            var metrics = sp.GetRequiredService<ServiceMetrics>();
            metrics.TrackEngine(engine.Loop.GetStats);
            var cache = options.Cache ? sp.GetRequiredService<CacheReadiness>() : null;
            if (cache is not null)
            {
                metrics.TrackCacheStorage(() => cache.Opened?.Cache.Store.Stats);   // none until the cache is open
                if (options.AdaptiveK)
                {
                    metrics.TrackAdaptiveK(() => cache.Opened?.Cache.Adaptive?.Snapshot());
                }
            }
            return new ServiceImageGenerator(pipeline, engine, cache, pipeline.Models.Folder.Name, sp.GetService<SharedPoolPolicy>(),
                sp.GetService<TimeProvider>());
        });
        return services;
    }

    internal static ILogger Logger(IServiceProvider services, string category) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(category) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}

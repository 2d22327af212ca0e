using Diffusion.Cache;
using Diffusion.Cache.Generation;
using Diffusion.CacheStore;
using Diffusion.Engine;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Server.Generation;
using Diffusion.Server.Identity;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Cli.Commands;

/// <summary>Where the served models come from, how ONNX Runtime runs them, and the latent cache beside them.</summary>
/// <param name="Cache">False serves every request as a full run (no lookups, nothing stored).</param>
/// <param name="CacheSize">Disk budget of the latent store, e.g. "2GB"; LCBFU evicts beyond it.</param>
/// <param name="Redis">A Redis address ("127.0.0.1:6379") to share the cache between instances; null keeps it local.</param>
public sealed record ModelHostingOptions(string ModelsDirectory, int IntraOpThreads, ExecutionProviderKind Provider,
    bool Cache = true, string CacheSize = "2GB", string? Redis = null);

/// <summary>
/// Registers the loaded model family, the engine (diffusion jobs and the prompt-expanding LLM), the
/// approximate cache under the server's data directory, and the generator the web host calls.
/// </summary>
public static class ModelHosting
{
    public static IServiceCollection AddModelHosting(this IServiceCollection services, ModelHostingOptions options)
    {
        var cacheBytes = ByteSize.Parse(options.CacheSize); // a bad size fails here, before anything loads
        services.AddSingleton(_ => DiffusionModels.Load(options.ModelsDirectory,
            new OnnxRuntimeOptions { IntraOpThreads = options.IntraOpThreads, ExecutionProvider = options.Provider }));
        services.AddSingleton(sp => new DiffusionPipeline(sp.GetRequiredService<DiffusionModels>(), sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => EngineHost.StartForModels(new EngineOptions(), sp.GetRequiredService<DiffusionPipeline>(),
            options.ModelsDirectory, sp.GetService<TimeProvider>()));
        if (options.Cache)
        {
            if (options.Redis is { } redis)
            {
                // A singleton so the host disposes it at shutdown: the shared cache does not own its connection.
                services.AddSingleton(sp => RedisConnection.ConnectAsync(new RedisCacheOptions { Configuration = redis },
                    Logger(sp, "Diffusion.Cache")).GetAwaiter().GetResult());
            }
            services.AddSingleton(sp => OpenCache(sp, options, cacheBytes));
            services.AddSingleton(sp => new CachedGenerator(sp.GetRequiredService<DiffusionPipeline>(), sp.GetRequiredService<ApproximateCache>(),
                new EngineGenerationRunner(sp.GetRequiredService<EngineHost>().Images!), Logger(sp, "Diffusion.Cache")));
        }
        services.AddSingleton<IImageGenerator>(sp =>
        {
            var pipeline = sp.GetRequiredService<DiffusionPipeline>();
            var engine = sp.GetRequiredService<EngineHost>();
            sp.GetRequiredService<ServiceMetrics>().TrackEngine(engine.Loop.GetStats);
            if (options.Cache)
            {
                var cache = sp.GetRequiredService<ApproximateCache>();
                sp.GetRequiredService<ServiceMetrics>().TrackCacheStorage(() => cache.Store.Stats);
            }
            return new ServiceImageGenerator(pipeline, engine,
                options.Cache ? sp.GetRequiredService<CachedGenerator>() : null, pipeline.Models.Folder.Name, sp.GetService<SharedPoolPolicy>());
        });
        return services;
    }

    // Opening is asynchronous (recovery scan, index adoption); the composition root waits for it once at start-up.
    private static ApproximateCache OpenCache(IServiceProvider services, ModelHostingOptions options, ByteSize maxBytes)
    {
        var data = services.GetRequiredService<IOptions<ServerOptions>>().Value.DataDirectory;
        var time = services.GetService<TimeProvider>();
        var logger = Logger(services, "Diffusion.Cache");
        var cacheOptions = new ApproximateCacheOptions { IndexDirectory = Path.Combine(data, "cache-index") };
        // prompt→image retrieval compares with cached final images' CLIP image embeddings; a model without an
        // image encoder (a Stable Diffusion export) retrieves prompt→prompt whatever k-table.json prefers
        if (cacheOptions.EffectiveMode == RetrievalMode.PromptToImage && services.GetRequiredService<DiffusionModels>().ImageEncoder is null)
        {
            cacheOptions = cacheOptions with { Mode = RetrievalMode.PromptToPrompt };
        }
        var storeOptions = new CacheStoreOptions { DataDirectory = Path.Combine(data, "cache"), MaxBytes = maxBytes };
        if (options.Redis is null)
        {
            return ApproximateCache.OpenLocalAsync(cacheOptions, storeOptions, time, logger).GetAwaiter().GetResult();
        }
        return ApproximateCache.OpenSharedAsync(cacheOptions, storeOptions, services.GetRequiredService<RedisConnection>(), time, logger)
            .GetAwaiter().GetResult();
    }

    private static ILogger Logger(IServiceProvider services, string category) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(category) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}

using Diffusion.Cache;
using Diffusion.Cache.Adaptive;
using Diffusion.Cache.Generation;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Engine;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Server.Caching;
using Diffusion.Server.Generation;
using Diffusion.Server.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Cli.Commands;

/// <summary>
/// How serve opens its approximate cache: the latent store under the data directory (or shared through Redis), the
/// FAISS index beside it, and the generator over both. Runs in the background at start-up (<see cref="CacheStartup"/>).
/// </summary>
internal static class CacheHosting
{
    public static async Task<OpenedCache> OpenAsync(IServiceProvider services, ModelHostingOptions options, ByteSize maxBytes,
        CancellationToken cancellationToken)
    {
        var data = services.GetRequiredService<IOptions<ServerOptions>>().Value.DataDirectory;
        var time = services.GetService<TimeProvider>();
        var logger = ModelHosting.Logger(services, "Diffusion.Cache");
        var cacheOptions = new ApproximateCacheOptions
        {
            KTables = options.KTables ?? KTableSet.LoadDefault(),
            IndexDirectory = Path.Combine(data, "cache-index"),
            AdaptiveK = options.AdaptiveK ? new AdaptiveKOptions { StatePath = Path.Combine(data, "cache-index", "adaptive-k.json") } : null,
        };
        // prompt→image retrieval compares with cached final images' CLIP image embeddings; a model without an
        // image encoder (a Stable Diffusion export) retrieves prompt→prompt whatever k-table.json prefers
        if (cacheOptions.EffectiveMode == RetrievalMode.PromptToImage && services.GetRequiredService<DiffusionModels>().ImageEncoder is null)
        {
            cacheOptions = cacheOptions with { Mode = RetrievalMode.PromptToPrompt };
        }
        var served = ModelIdentity.Of(services.GetRequiredService<DiffusionModels>().Folder);
        if (cacheOptions.KTables.CalibratedFor is { } calibratedFor && calibratedFor != served)
        {
            // still usable (thresholds are cosines of the same kind), but K may be too deep or too shallow for this model
            logger.LogWarning("The cache's similarity→K table was calibrated for {CalibratedFor}, not the served {Model}; " +
                "`./run.sh calibrate cache --table FILE` calibrates one for it and `serve --cache-table FILE` loads it", calibratedFor, served);
        }
        var storeOptions = new CacheStoreOptions { DataDirectory = Path.Combine(data, "cache"), MaxBytes = maxBytes };
        RedisConnection? redis = null;
        ApproximateCache? cache = null;
        try
        {
            if (options.Redis is { } address)
            {
                redis = await RedisConnection.ConnectAsync(new RedisCacheOptions { Configuration = address }, logger, cancellationToken)
                    .ConfigureAwait(false);
                cache = await ApproximateCache.OpenSharedAsync(cacheOptions, storeOptions, redis, time, logger, cancellationToken)
                    .ConfigureAwait(false);
            }
            else
            {
                cache = await ApproximateCache.OpenLocalAsync(cacheOptions, storeOptions, time, logger, cancellationToken).ConfigureAwait(false);
            }
            var generator = new CachedGenerator(services.GetRequiredService<DiffusionPipeline>(), cache,
                new EngineGenerationRunner(services.GetRequiredService<EngineHost>().Images!), logger);
            return new OpenedCache(generator, redis);
        }
        catch (Exception)
        {
            // Closes what this call opened before it failed or was cancelled; the caller sees the original exception.
            if (cache is not null) await cache.DisposeAsync().ConfigureAwait(false);
            if (redis is not null) await redis.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Lab.Cluster;

/// <summary>
/// How long a new instance takes to join a shared cache of N entries: one instance stores N synthetic entries in Redis
/// (text and image embeddings of the given width, one small latent each), then a fresh instance opens the cache, which
/// loads the catalog from Redis and builds its FAISS replica before it would report healthy. Under its own key prefix,
/// removed afterwards.
/// </summary>
public sealed class WarmJoinBench(string redis, int dimension, TextWriter? progress)
{
    private static readonly int[] Shape = [4, 8, 8];

    public async Task<WarmJoinResult> RunAsync(int entries, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 1);
        var prefix = $"diffusion:join-bench:{Guid.NewGuid():N}:";
        var work = Directory.CreateTempSubdirectory("diffusion-join-bench-").FullName;
        await using var connection = await RedisConnection.ConnectAsync(new RedisCacheOptions { Configuration = redis, KeyPrefix = prefix }, null, cancellationToken)
            .ConfigureAwait(false);
        if (!connection.IsConnected)
        {
            throw new InvalidOperationException($"Redis at {redis} is not reachable.");
        }
        try
        {
            var options = new ApproximateCacheOptions
            {
                // one cache point keeps each entry small; the join's work is the catalog and the index, not the latents
                KTables = KTableSet.Uncalibrated with
                {
                    PromptToPrompt = new SimilarityKTable([new(0.9, 10)]),
                    PromptToImage = new SimilarityKTable([new(0.9, 10)]),
                },
                IndexDirectory = null,
                StoreReachablePointsOnly = false,
                CachePoints = [10],
            };
            // The writer is the store layer alone: what the cache writes (an entry, its latent at K 10, then its image
            // embedding), without a FAISS replica of its own, whose vector-by-vector HNSW inserts would take the writer
            // half an hour at 100k and are not what a joiner pays.
            var populate = Stopwatch.StartNew();
            await using (var writer = await LatentStore.OpenSharedAsync(Store(work, "writer", entries), connection, null, null, cancellationToken)
                .ConfigureAwait(false))
            {
                var random = new Random(entries);
                var written = new List<CacheEntryKey>(entries);
                for (var i = 0; i < entries; i++)
                {
                    var entry = Entry(i, Unit(random));
                    while (writer.TryEnqueueWrite(entry, 10, new float[4 * 8 * 8], Shape) == LatentWriteStatus.QueueFull)
                    {
                        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);   // the write queue is bounded
                    }
                    written.Add(entry.Key);
                    if (progress is not null && i % 10_000 == 9_999)
                    {
                        progress.WriteLine($"join bench: {i + 1} of {entries} entries stored, {populate.Elapsed.TotalSeconds:0} s");
                    }
                }
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                foreach (var key in written)
                {
                    var image = Unit(random);
                    while (!writer.TrySetImageEmbedding(key, image))
                    {
                        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            populate.Stop();

            var join = Stopwatch.StartNew();
            await using var joiner = await ApproximateCache.OpenSharedAsync(options, Store(work, "joiner", entries), connection, null, null, cancellationToken)
                .ConfigureAwait(false);
            join.Stop();
            // past the exact-search limit the HNSW graphs are built in the background while exact search answers
            var graphs = Stopwatch.StartNew();
            await joiner.Index.UpgradesAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            graphs.Stop();
            var sizes = joiner.Index.Sizes();
            int Rows(RetrievalMode mode) => sizes.Where(p => p.Key.Mode == mode).Sum(p => p.Value);
            return new WarmJoinResult(entries, dimension, Math.Round(populate.Elapsed.TotalSeconds, 2), Math.Round(join.Elapsed.TotalSeconds, 3),
                Math.Round(graphs.Elapsed.TotalSeconds, 1), Rows(RetrievalMode.PromptToPrompt), Rows(RetrievalMode.PromptToImage));
        }
        finally
        {
            await DeleteKeysAsync(connection, prefix).ConfigureAwait(false);
            Directory.Delete(work, recursive: true);
        }
    }

    private static CacheStoreOptions Store(string work, string name, int entries) => new()
    {
        DataDirectory = Path.Combine(work, name),
        MaxBytes = new ByteSize(Math.Max(64L << 20, entries * 4096L)),
        MaxLatentElements = 4 * 8 * 8,
        GracePeriod = TimeSpan.Zero,
    };

    private static CacheEntryDescriptor Entry(int i, float[] text) => new()
    {
        Key = new CacheEntryKey(TenantId.Default, CacheEntryId.New()),
        Prompt = $"synthetic prompt {i}",
        TextEmbedding = text,
        Seed = i,
        ModelId = "join-bench@000000000000",
        Size = new ImageSize(64, 64),
        SchedulerFamily = SchedulerFamilies.Of(SchedulerKind.Ddim),
        Steps = 50,
        Guidance = 3f,
    };

    private float[] Unit(Random random)
    {
        var v = new float[dimension];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return EmbeddingVectors.Normalize(v);
    }

    private static async Task DeleteKeysAsync(RedisConnection connection, string prefix)
    {
        var server = connection.Database.Multiplexer.GetServers().FirstOrDefault();
        if (server is null)
        {
            return;
        }
        await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000))
        {
            await connection.Database.KeyDeleteAsync(key).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// One join: entries stored, embedding width, seconds to store them, seconds for a new instance to open the cache (it
/// is healthy then, searching exactly), seconds more until its HNSW graphs are built, and its index rows by mode.
/// </summary>
public sealed record WarmJoinResult(int Entries, int Dimension, double PopulateSeconds, double JoinSeconds, double GraphSeconds, int TextRows, int ImageRows);

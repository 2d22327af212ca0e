using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Diffusion.Cache.Generation;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using StackExchange.Redis;

namespace Diffusion.Cache.Tests.Redis;

/// <summary>
/// Several service instances on one Redis: each has its own FAISS replica, kept current from the store's
/// update stream. One shared pipeline (the repository's tiny SD-1.5-shaped model) generates for both.
/// </summary>
public sealed class SharedCacheTests(FixtureModel fixture) : IClassFixture<FixtureModel>, IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly string _prefix = $"diffusion:cachetest:{Guid.NewGuid():N}:";
    private readonly List<IAsyncDisposable> _owned = [];

    private static GenerationRequest Request(string prompt, ulong seed) => new() { Prompt = prompt, Seed = seed, Steps = 10, GuidanceScale = 3f };

    [RedisFact]
    public async Task A_prompt_generated_through_one_instance_is_a_hit_on_the_other()
    {
        var endpoint = Environment.GetEnvironmentVariable(RedisFactAttribute.Variable)!;
        var (cacheA, generatorA) = await OpenInstanceAsync(endpoint, "a");
        var (cacheB, generatorB) = await OpenInstanceAsync(endpoint, "b");

        var first = await generatorA.GenerateAsync(Request("a yellow sun over the sea", 1), TenantId.Default, CacheMode.Auto);
        await generatorA.FlushAsync();
        var id = first.StoredAs!.Value.Id.Value;
        await WaitUntilAsync(() => cacheB.Index.Ids(RetrievalMode.PromptToPrompt, TenantId.Default).Contains(id), "instance b's replica to receive the entry");
        // what a stored, read back before b runs, so the read does not race b's generation and writes for
        // Redis (its operation timeout is 1 s; a cold, loaded run once missed it)
        var storedByA = new Dictionary<int, LatentReadResult>();
        foreach (var k in cacheA.Store.StoredKs(first.StoredAs!.Value))
        {
            storedByA[k] = await cacheA.Store.ReadAsync(first.StoredAs!.Value, k);
        }

        var second = await generatorB.GenerateAsync(Request("a yellow sun over the sea", 2), TenantId.Default, CacheMode.Auto);
        Assert.True(second.Lookup.IsHit, second.Lookup.Detail);
        Assert.Equal(first.StoredAs, second.Lookup.Source);
        Assert.Equal(0, cacheB.Metrics.Snapshot().NearCacheReads);   // b never had it in memory: it came from Redis
        Assert.True(storedByA.TryGetValue(second.Lookup.K, out var fromA), $"a stored no latent at K = {second.Lookup.K}");
        Assert.True(fromA.Status == LatentReadStatus.Hit, $"a reads its own latent back: {fromA.Status} {fromA.Detail}");
        Assert.Equal(fromA.Values, second.Lookup.StartLatent);
    }

    [RedisFact]
    public async Task Redis_stopping_mid_run_leaves_requests_succeeding_as_misses_or_local_hits()
    {
        using var server = PrivateRedis.Start(_directory.Combine("redis"));
        var (cache, generator) = await OpenInstanceAsync(server.Endpoint, "solo");
        var first = await generator.GenerateAsync(Request("a black cat on a white wall", 1), TenantId.Default, CacheMode.Auto);
        await generator.FlushAsync();
        Assert.Single(cache.Store.Entries());

        server.Kill();

        var watch = Stopwatch.StartNew();
        var repeat = await generator.GenerateAsync(Request("a black cat on a white wall", 2), TenantId.Default, CacheMode.Auto);
        var fresh = await generator.GenerateAsync(Request("a purple flower in a vase", 3), TenantId.Default, CacheMode.Auto);
        var refresh = await generator.GenerateAsync(Request("a purple flower in a vase", 4), TenantId.Default, CacheMode.Refresh);
        await generator.FlushAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"degraded requests took {watch.Elapsed}");

        // the entry stored before the outage is still served from this instance's memory
        Assert.True(repeat.Lookup.IsHit, repeat.Lookup.Detail);
        Assert.Equal(first.StoredAs, repeat.Lookup.Source);
        Assert.True(cache.Metrics.Snapshot().NearCacheReads >= 1);
        Assert.Equal(10 - repeat.Lookup.K, repeat.Generation.Denoise.StepsRun);
        // new prompts run in full; their writes fail quietly
        Assert.Equal(CacheLookupStatus.Miss, fresh.Lookup.Status);
        Assert.Equal(10, fresh.Generation.Denoise.StepsRun);
        Assert.Equal(10, refresh.Generation.Denoise.StepsRun);
        Assert.True(cache.Store.Stats.WritesFailed > 0);
    }

    private async Task<(ApproximateCache Cache, CachedGenerator Generator)> OpenInstanceAsync(string endpoint, string name)
    {
        var connection = await RedisConnection.ConnectAsync(new RedisCacheOptions
        {
            Configuration = endpoint,
            KeyPrefix = _prefix,
            StreamPollInterval = TimeSpan.FromMilliseconds(50),
            OperationTimeout = TimeSpan.FromSeconds(1),
        });
        _owned.Add(connection);
        await WaitUntilAsync(() => connection.IsConnected, $"Redis at {endpoint}");
        var storeOptions = Synthetic.StoreOptions(_directory.Combine(name)) with { MaxLatentElements = fixture.Pipeline.LatentLength };
        // only repeats hit (the fixture's random text encoder makes unrelated prompts look alike)
        var options = Synthetic.CacheOptions(_directory.Combine(name)) with
        {
            KTables = Diffusion.Cache.Policy.KTableSet.Uncalibrated with { PromptToPrompt = new([new(0.9999, 25)]) },
        };
        var cache = await ApproximateCache.OpenSharedAsync(options, storeOptions, connection);
        var generator = new CachedGenerator(fixture.Pipeline, cache);
        // disposed in reverse: generator, cache, then the connection
        _owned.Add(cache);
        _owned.Add(generator);
        return (cache, generator);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        if (Environment.GetEnvironmentVariable(RedisFactAttribute.Variable) is { Length: > 0 } endpoint)
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
            var server = redis.GetServers()[0];
            var keys = server.Keys(pattern: _prefix + "*").ToArray();
            if (keys.Length > 0)
            {
                await redis.GetDatabase().KeyDeleteAsync(keys);
            }
        }
        _directory.Dispose();
    }
}

/// <summary>A redis-server of the test's own on a free loopback port, so the test can stop it.</summary>
internal sealed class PrivateRedis : IDisposable
{
    private readonly Process _process;

    private PrivateRedis(Process process, int port)
    {
        _process = process;
        Endpoint = $"127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    public static PrivateRedis Start(string directory)
    {
        Directory.CreateDirectory(directory);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start redis-server");
        process.BeginOutputReadLine();
        return new PrivateRedis(process, port);
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

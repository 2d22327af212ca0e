using System.Globalization;
using Diffusion.CacheStore;
using StackExchange.Redis;

namespace Diffusion.Lab.Cluster;

/// <summary>
/// Watches the cache's bytes against its budget while a phase runs. Shared cache: the Redis counter the write script
/// enforces, every <see cref="CounterEvery"/>, and, so the figure does not rest on that counter alone, the latent
/// strings' real lengths summed by SCAN and STRLEN every <see cref="SumEvery"/>. Isolated caches: each instance's
/// latent files on disk against its own budget. Counts its own Redis commands, so the bench can take them out of the
/// service's.
/// </summary>
public sealed class StoreBytesProbe : IAsyncDisposable
{
    public static readonly TimeSpan CounterEvery = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan SumEvery = TimeSpan.FromSeconds(2);

    private readonly ConnectionMultiplexer? _redis;
    private readonly string _prefix = new RedisCacheOptions().KeyPrefix;
    private readonly ClusterScript _cluster;
    private readonly int _instances;
    private readonly long _budget;
    private long _ownCommands;

    private StoreBytesProbe(ConnectionMultiplexer? redis, ClusterScript cluster, int instances, long budget)
    {
        _redis = redis;
        _cluster = cluster;
        _instances = instances;
        _budget = budget;
    }

    public static async Task<StoreBytesProbe> OpenAsync(ClusterScript cluster, int instances, long budget, bool shared)
    {
        var redis = shared ? await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.RedisPort},allowAdmin=true").ConfigureAwait(false) : null;
        return new StoreBytesProbe(redis, cluster, instances, budget);
    }

    /// <summary>The most bytes over the budget seen (0 or less: never over), and the most bytes seen.</summary>
    public long MaxOver { get; private set; } = long.MinValue;

    public long PeakBytes { get; private set; }

    public int Samples { get; private set; }

    /// <summary>At the end of a shared phase: the counter and the real sum, which must agree.</summary>
    public (long? Counter, long Sum)? FinalCheck { get; private set; }

    public long OwnCommands => Interlocked.Read(ref _ownCommands);

    public async Task WatchAsync(CancellationToken stop)
    {
        var sumDue = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            if (_redis is null)
            {
                foreach (var bytes in Enumerable.Range(1, _instances).Select(i => LocalBytes(_cluster.LocalLatents(i))))
                {
                    Record(bytes);
                }
            }
            else
            {
                Record(await CounterAsync().ConfigureAwait(false) ?? 0);
                if (clock.Elapsed >= sumDue)
                {
                    Record(await SumAsync().ConfigureAwait(false));
                    sumDue = clock.Elapsed + SumEvery;
                }
            }
            try
            {
                await Task.Delay(CounterEvery, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        if (_redis is not null)
        {
            FinalCheck = (await CounterAsync().ConfigureAwait(false), await SumAsync().ConfigureAwait(false));
            Record(FinalCheck.Value.Sum);
        }
    }

    /// <summary>Redis's counts (INFO stats) of the commands it has processed and the bytes it has received and sent; this call counts in the probe's own.</summary>
    public async Task<RedisTraffic> TrafficAsync()
    {
        var server = _redis!.GetServers().Single();
        Interlocked.Increment(ref _ownCommands);
        var info = (await server.InfoAsync("stats").ConfigureAwait(false)).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        long Read(string name) => long.Parse(info[name], CultureInfo.InvariantCulture);
        return new RedisTraffic(Read("total_commands_processed"), Read("total_net_input_bytes") + Read("total_net_output_bytes"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Record(long bytes)
    {
        Samples++;
        PeakBytes = Math.Max(PeakBytes, bytes);
        MaxOver = Math.Max(MaxOver, bytes - _budget);
    }

    private async Task<long?> CounterAsync()
    {
        Interlocked.Increment(ref _ownCommands);
        var value = await _redis!.GetDatabase().StringGetAsync(_prefix + "latent-bytes").ConfigureAwait(false);
        return value.IsNull ? null : (long)value;
    }

    /// <summary>The latent strings' lengths, by an explicit SCAN loop so every command it sends is counted.</summary>
    private async Task<long> SumAsync()
    {
        var db = _redis!.GetDatabase();
        long total = 0;
        string cursor = "0";
        do
        {
            Interlocked.Increment(ref _ownCommands);
            var page = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", _prefix + "*:latent:*", "COUNT", 1000).ConfigureAwait(false))!;
            cursor = (string)page[0]!;
            var keys = (RedisKey[])page[1]!;
            var lengths = keys.Select(k => db.StringLengthAsync(k)).ToList();
            Interlocked.Add(ref _ownCommands, lengths.Count);
            foreach (var length in lengths)
            {
                total += await length.ConfigureAwait(false);
            }
        }
        while (cursor != "0");
        return total;
    }

    private static long LocalBytes(string latents)
    {
        if (!Directory.Exists(latents))
        {
            return 0;
        }
        long total = 0;
        foreach (var file in Directory.EnumerateFiles(latents, "*.dlat", SearchOption.AllDirectories))
        {
            try
            {
                total += new FileInfo(file).Length;
            }
            catch (IOException)
            {
                // evicted between listing and reading its size
            }
        }
        return total;
    }
}

/// <summary>Redis's running totals: commands processed and network bytes in and out.</summary>
public readonly record struct RedisTraffic(long Commands, long NetworkBytes)
{
    public static RedisTraffic operator -(RedisTraffic a, RedisTraffic b) => new(a.Commands - b.Commands, a.NetworkBytes - b.NetworkBytes);
}

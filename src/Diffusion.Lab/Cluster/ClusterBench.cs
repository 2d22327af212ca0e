using System.Collections.Concurrent;
using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Cache.Policy;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Bench;
using Diffusion.Lab.Traces;
using Diffusion.Replay.Client;

namespace Diffusion.Lab.Cluster;

/// <summary>
/// <c>bench cluster</c>: the standard trace through HAProxy in front of N real instances, three times on a fresh
/// cluster each — isolated caches, the shared cache, and the shared cache with one instance killed (SIGKILL) midway —
/// with a client that retries with an Idempotency-Key. Reports lost requests, hit rates, hits served from another
/// instance's entry, the store's bytes against its budget, and Redis commands per request.
/// </summary>
public sealed class ClusterBench(ClusterBenchOptions options, TextWriter progress)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long the idle instances are watched before a shared phase, for the Redis traffic requests do not cause.</summary>
    private static readonly TimeSpan IdleWatch = TimeSpan.FromSeconds(5);

    public async Task<ClusterBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        var world = EmojiWorld.Load(Path.Combine(options.ModelsDirectory, "world.json"));
        var trace = new TraceGenerator(world, TraceParameters.Default, new Traces.TraceOptions { Count = options.Requests, Seed = options.TraceSeed }).Generate();
        var script = ClusterScript.FindScript();
        var phases = new List<ClusterPhaseResult>
        {
            await RunPhaseAsync(script, trace, "isolated", shared: false, kill: false, cancellationToken).ConfigureAwait(false),
            await RunPhaseAsync(script, trace, "shared", shared: true, kill: false, cancellationToken).ConfigureAwait(false),
            await RunPhaseAsync(script, trace, "shared-with-kill", shared: true, kill: true, cancellationToken).ConfigureAwait(false),
        };
        var isolated = phases[0];
        var shared = phases[1];
        var measured = phases.Where(p => p.RedisCommands is not null).ToList();
        long commands = measured.Sum(p => p.RedisCommands!.Value);
        int sharedAnswered = measured.Sum(p => p.Answered);
        return new ClusterBenchReport(
            LostRequests: phases.Sum(p => p.LostRequests),
            CrossInstanceHits: phases.Sum(p => p.CrossInstanceHits),
            SharedHitRate: shared.HitRate,
            IsolatedHitRate: isolated.HitRate,
            SharedMinusIsolatedHitRate: shared.HitRate - isolated.HitRate,
            SharedMeanStepsSkipped: shared.MeanStepsSkipped,
            IsolatedMeanStepsSkipped: isolated.MeanStepsSkipped,
            MaxDiskOverBudgetBytes: Math.Max(0, phases.Max(p => p.MaxOverBudgetBytes)),
            RedisCommandsPerRequest: sharedAnswered == 0 ? null : (double)commands / sharedAnswered,
            RedisBytesPerRequest: sharedAnswered == 0 ? null : measured.Sum(p => p.RedisBytesPerRequest!.Value * p.Answered) / sharedAnswered,
            Instances: options.Instances,
            RequestsPerPhase: options.Requests,
            Concurrency: options.Concurrency,
            CacheSize: options.CacheSize,
            KTable: Describe(options.KTablePath is { } path ? KTableSet.Load(path) : KTableSet.LoadDefault(), options.KTablePath),
            Machine: $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            Phases: phases);
    }

    private async Task<ClusterPhaseResult> RunPhaseAsync(string script, IReadOnlyList<Diffusion.Replay.Traces.TraceRequest> trace, string name,
        bool shared, bool kill, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(options.WorkDirectory, name);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        var cluster = new ClusterScript(script, directory, options.Instances, options.BalancerPort, options.RedisPort,
            options.ModelsDirectory, shared, ServeArguments());
        progress.WriteLine($"[{name}] starting {options.Instances} instances behind HAProxy ({(shared ? "one shared cache in Redis" : "a cache each")}, {options.CacheSize})");
        await cluster.UpAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var probe = await StoreBytesProbe.OpenAsync(cluster, options.Instances, options.CacheBytes, shared).ConfigureAwait(false);
            double? idlePerSecond = null;
            RedisTraffic? before = null;
            if (shared)
            {
                var idleStart = await probe.TrafficAsync().ConfigureAwait(false);
                await Task.Delay(IdleWatch, cancellationToken).ConfigureAwait(false);
                var idle = await probe.TrafficAsync().ConfigureAwait(false) - idleStart;
                idlePerSecond = (idle.Commands - 1) / IdleWatch.TotalSeconds;
                before = await probe.TrafficAsync().ConfigureAwait(false);
            }
            using var stopWatching = new CancellationTokenSource();
            long ownBefore = probe.OwnCommands;
            var watching = probe.WatchAsync(stopWatching.Token);
            var clock = Stopwatch.StartNew();
            var (results, killed) = await ReplayAsync(cluster, trace, name, kill, cancellationToken).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            RedisTraffic? traffic = null;
            if (before is { } start)
            {
                // the probe's own commands are taken out; its network bytes (a few per sample) are not
                var total = await probe.TrafficAsync().ConfigureAwait(false) - start;
                traffic = total with { Commands = total.Commands - (probe.OwnCommands - ownBefore) };
            }
            stopWatching.Cancel();
            await watching.ConfigureAwait(false);
            var result = Summarize(name, shared, killed, trace, results, seconds, probe, traffic, idlePerSecond);
            progress.WriteLine($"[{name}] {result.Answered}/{result.Requests} answered, {result.LostRequests} lost, hit rate {result.HitRate:0.000}, "
                + $"{result.CrossInstanceHits} hits on another instance's entry, peak store {result.PeakStoreBytes} of {result.BudgetBytes} bytes, {seconds:0} s");
            return result;
        }
        finally
        {
            await cluster.DownAsync().ConfigureAwait(false);
        }
    }

    private static string Describe(KTableSet tables, string? path) =>
        $"{(path is null ? "shipped" : Path.GetFileName(path))}, {tables.DefaultMode.ToName()}: {tables.For(tables.DefaultMode)}";

    /// <summary>What every instance of every phase is started with (the arguments are split on spaces by cluster.sh).</summary>
    private string ServeArguments() =>
        $"--cache-size {options.CacheSize} --threads 1" + (options.KTablePath is { } path ? $" --cache-table {path}" : "");

    private async Task<(List<ClusterRequestResult> Results, int? Killed)> ReplayAsync(ClusterScript cluster,
        IReadOnlyList<Diffusion.Replay.Traces.TraceRequest> trace, string name, bool kill, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = cluster.Balancer, Timeout = Timeout.InfiniteTimeSpan };
        var client = new RetryingClient(http, options.RetryFor, AttemptTimeout);
        var results = new ConcurrentBag<ClusterRequestResult>();
        int next = -1, answered = 0, killAfter = (int)Math.Ceiling(trace.Count * options.KillAt);
        int? killed = null;
        var run = Guid.NewGuid().ToString("N")[..8];
        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < trace.Count)
            {
                var request = trace[i];
                var body = new GenerationRequestBody(request.Prompt, request.User, request.Seed, null, CacheOff: false);
                var result = await client.SendAsync(i, body, $"bench-{run}-{i}", cancellationToken).ConfigureAwait(false);
                results.Add(result);
                int done = Interlocked.Increment(ref answered);
                if (kill && done == killAfter)
                {
                    killed = options.Instances;
                    cluster.Kill(options.Instances);
                    progress.WriteLine($"[{name}] killed instance {options.Instances} (SIGKILL) after {done} answers");
                }
                if (done % 25 == 0)
                {
                    progress.WriteLine($"[{name}] {done}/{trace.Count}");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken))).ConfigureAwait(false);
        return (results.OrderBy(r => r.Index).ToList(), killed);
    }

    private ClusterPhaseResult Summarize(string name, bool shared, int? killed, IReadOnlyList<Diffusion.Replay.Traces.TraceRequest> trace,
        List<ClusterRequestResult> results, double seconds,
        StoreBytesProbe probe, RedisTraffic? traffic, double? idlePerSecond)
    {
        var answered = results.Where(r => r.Answered).ToList();
        // which instance stored each entry (an answer replayed from the first attempt's record names the replaying instance, so it is left out)
        var storedBy = answered.Where(r => r.StoredAs is not null && !r.Replayed && r.Instance is not null)
            .GroupBy(r => r.StoredAs!).ToDictionary(g => g.Key, g => g.First().Instance!);
        var hits = answered.Where(r => r.Hit).ToList();
        int cross = hits.Count(h => h.SourceId is { } s && storedBy.TryGetValue(s, out var by) && by != h.Instance);
        int unknown = hits.Count(h => h.SourceId is null || !storedBy.ContainsKey(h.SourceId));
        var latencies = answered.Select(r => r.Seconds).ToList();
        return new ClusterPhaseResult(
            Name: name,
            SharedCache: shared,
            KilledInstance: killed,
            Requests: results.Count,
            Answered: answered.Count,
            LostRequests: results.Count - answered.Count,
            RequestsPerInstance: answered.GroupBy(r => r.Instance ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            Retried: results.Count(r => r.Attempts > 1),
            ReplayedAnswers: answered.Count(r => r.Replayed),
            Hits: hits.Count,
            HitRate: answered.Count == 0 ? 0 : (double)hits.Count / answered.Count,
            MeanStepsSkipped: answered.Count == 0 ? 0 : answered.Average(r => (double)r.K),
            // a new scene can only hit a less similar entry, a repeat the very prompt: sharing matters for the repeats and edits
            HitRateByTraceKind: answered.GroupBy(r => trace[r.Index].Kind).OrderBy(g => g.Key)
                .ToDictionary(g => g.Key.ToString(), g => Math.Round(g.Average(r => r.Hit ? 1.0 : 0.0), 3)),
            MissedTraceIndices: answered.Where(r => !r.Hit).Select(r => r.Index).ToList(),
            CrossInstanceHits: cross,
            HitsOfUnknownOrigin: unknown,
            Seconds: seconds,
            Throughput: answered.Count / seconds,
            LatencyP50Seconds: BenchFigures.Quantile(latencies, 0.50),
            LatencyP95Seconds: BenchFigures.Quantile(latencies, 0.95),
            BudgetBytes: options.CacheBytes,
            PeakStoreBytes: probe.PeakBytes,
            MaxOverBudgetBytes: probe.MaxOver,
            StoreSamples: probe.Samples,
            FinalCounterBytes: probe.FinalCheck?.Counter,
            FinalSummedBytes: probe.FinalCheck?.Sum,
            RedisCommands: traffic?.Commands,
            RedisCommandsPerRequest: traffic is { } t && answered.Count > 0 ? (double)t.Commands / answered.Count : null,
            RedisBytesPerRequest: traffic is { } b && answered.Count > 0 ? (double)b.NetworkBytes / answered.Count : null,
            RedisIdleCommandsPerSecond: idlePerSecond,
            LostErrors: results.Where(r => !r.Answered).Select(r => $"#{r.Index}: {r.LastError}").Take(10).ToList());
    }
}

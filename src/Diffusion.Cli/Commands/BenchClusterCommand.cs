using System.CommandLine;
using System.Text.Json;
using Diffusion.Lab.Cluster;

namespace Diffusion.Cli.Commands;

/// <summary><c>bench cluster --json FILE</c>: the standard trace through HAProxy and N instances, isolated caches against the shared one, with a kill.</summary>
public static class BenchClusterCommand
{
    public static Command Create()
    {
        var models = new Option<string>("--models") { Description = "Model folder the instances serve.", DefaultValueFactory = _ => "./models" };
        var instances = new Option<int>("--instances") { Description = "Service instances behind the balancer.", DefaultValueFactory = _ => 3 };
        var requests = new Option<int>("--requests") { Description = "Trace requests per phase (three phases).", DefaultValueFactory = _ => 150 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 9 };
        var cacheSize = new Option<string>("--cache-size") { Description = "The shared store's byte budget; each isolated instance gets as much to itself.", DefaultValueFactory = _ => "1MB" };
        var killAt = new Option<double>("--kill-at") { Description = "Share of the last phase's requests answered before one instance is killed.", DefaultValueFactory = _ => 0.4 };
        var port = new Option<int>("--port") { Description = "The balancer's port; instances take the next ones.", DefaultValueFactory = _ => 5200 };
        var redisPort = new Option<int>("--redis-port") { Description = "Port of the redis-server the clusters start.", DefaultValueFactory = _ => 6392 };
        var table = new Option<string?>("--cache-table") { Description = "A similarity→K table every instance serves with (serve --cache-table) [the shipped one]." };
        var work = new Option<string?>("--work-dir") { Description = "Where the clusters keep data and logs [a temporary folder, removed after]." };
        var json = new Option<string?>("--json") { Description = "Write every figure to this JSON file." };
        var command = new Command("cluster",
            "Replay the standard trace through HAProxy in front of N instances (scripts/cluster.sh), three times: isolated caches, the shared cache, "
            + "and the shared cache with one instance killed (SIGKILL) midway; the client retries with an Idempotency-Key. Reports lost requests, "
            + "hit rates shared against isolated, cross-instance hits, the store's bytes against its budget and Redis commands per request. "
            + "About 10 minutes on 2 cores at the defaults.")
        {
            models, instances, requests, concurrency, cacheSize, killAt, port, redisPort, table, work, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var workDir = parse.GetValue(work);
            var temporary = workDir is null;
            workDir ??= Directory.CreateTempSubdirectory("diffusion-bench-cluster-").FullName;
            try
            {
                var options = new ClusterBenchOptions
                {
                    ModelsDirectory = Path.GetFullPath(parse.GetValue(models)!),
                    Instances = parse.GetValue(instances),
                    Requests = parse.GetValue(requests),
                    Concurrency = parse.GetValue(concurrency),
                    CacheSize = parse.GetValue(cacheSize)!,
                    KillAt = parse.GetValue(killAt),
                    BalancerPort = parse.GetValue(port),
                    RedisPort = parse.GetValue(redisPort),
                    WorkDirectory = Path.GetFullPath(workDir),
                    KTablePath = parse.GetValue(table) is { } tablePath ? Path.GetFullPath(tablePath) : null,
                }.Validate();
                var report = await new ClusterBench(options, Console.Error).RunAsync(ct);
                Print(report);
                if (parse.GetValue(json) is { } path)
                {
                    await OutputFile.WriteTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions
                    {
                        WriteIndented = true,
                        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                    }) + "\n", ct);
                }
                Console.WriteLine($"reproduce: {ReproduceLine.Of(parse)}");
                return report.NoLostRequests && report.SharingPays && report.WithinBudget ? 0 : 3;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            finally
            {
                if (temporary && Directory.Exists(workDir))
                {
                    Directory.Delete(workDir, recursive: true);
                }
            }
        });
        return command;
    }

    private static void Print(ClusterBenchReport report)
    {
        Console.WriteLine($"{"phase",-18} {"answered",9} {"lost",5} {"hit rate",9} {"cross-inst.",11} {"peak bytes",11} {"budget",9} {"p50 s",6} {"p95 s",6} {"Redis cmd/req",13}  per instance");
        foreach (var p in report.Phases)
        {
            Console.WriteLine($"{p.Name,-18} {p.Answered,9} {p.LostRequests,5} {p.HitRate,9:0.000} {p.CrossInstanceHits,11} {p.PeakStoreBytes,11} {p.BudgetBytes,9} "
                + $"{p.LatencyP50Seconds,6:0.00} {p.LatencyP95Seconds,6:0.00} {(p.RedisCommandsPerRequest is { } c ? c.ToString("0.0") : "-"),13}  "
                + string.Join(" ", p.RequestsPerInstance.Select(kv => $"{kv.Key}:{kv.Value}")));
        }
        Console.WriteLine();
        Console.WriteLine($"lost requests                 {report.LostRequests,8}   (bar 0: {(report.NoLostRequests ? "met" : "NOT met")})");
        Console.WriteLine($"shared − isolated hit rate    {report.SharedMinusIsolatedHitRate,8:+0.000;-0.000}   ({report.SharedHitRate:0.000} − {report.IsolatedHitRate:0.000}; bar ≥ 0.10: {(report.SharingPays ? "met" : "NOT met")})");
        Console.WriteLine($"max bytes over the budget     {report.MaxDiskOverBudgetBytes,8}   (bar 0: {(report.WithinBudget ? "met" : "NOT met")})");
        Console.WriteLine($"steps skipped per request     {report.SharedMeanStepsSkipped,8:0.00}   (isolated: {report.IsolatedMeanStepsSkipped:0.00})");
        Console.WriteLine($"cross-instance hits           {report.CrossInstanceHits,8}");
        Console.WriteLine($"Redis commands per request    {(report.RedisCommandsPerRequest is { } r ? r.ToString("0.0") : "-"),8}   "
            + $"({(report.RedisBytesPerRequest is { } b ? (b / 1024).ToString("0.0") : "-")} KiB in and out; the idle instances' stream polls included)");
    }
}

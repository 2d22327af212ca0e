using System.CommandLine;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Cli.Cache;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Bench;
using Diffusion.Lab.Calibration;
using Diffusion.Lab.Scoring;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>bench cache --json FILE [--requests N] [--budget SIZE] [--warmup F] [--models DIR] [--quick]</c>: the standard
/// trace replayed cache off and cache on; steps saved, latency, quality, lookup overhead, disk bytes, and LCBFU
/// against LRU and FIFO at the same budget.
/// </summary>
public static class BenchCacheCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the figures to this JSON file.", Required = true };
        var requests = new Option<int>("--requests") { Description = "Requests replayed (the acceptance run uses at least 2000).", DefaultValueFactory = _ => 2000 };
        var budget = new Option<string>("--budget") { Description = "The cache's byte budget on disk (small enough that eviction runs).", DefaultValueFactory = _ => "2MB" };
        var warmup = new Option<double>("--warmup") { Description = "Leading share of the trace that only warms the cache.", DefaultValueFactory = _ => 0.2 };
        var models = new Option<string>("--models") { Description = "Model folder (with image_encoder/, judge/, world.json).", DefaultValueFactory = _ => "./models" };
        var quick = new Option<bool>("--quick") { Description = "A short run: 200 requests, 25 steps, a 256KB budget." };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once, batched step by step by the serving engine.", DefaultValueFactory = _ => 8 };
        var mode = new Option<string?>("--mode") { Description = "Retrieval mode: prompt-to-prompt or prompt-to-image (default: k-table.json's)." };
        var seed = new Option<long>("--seed") { Description = "Seed of the standard trace.", DefaultValueFactory = _ => 1 };
        var perUser = new Option<bool>("--per-user") { Description = "One cache tenant per trace user instead of one shared cache." };
        var table = new Option<string?>("--table") { Description = "A k-table.json to use instead of the shipped one." };
        var policiesOnly = new Option<bool>("--policies-only")
        {
            Description = "Only compare the eviction policies (LCBFU, LRU, FIFO) in accounting replays, without generating: "
                + "seconds instead of half an hour, for choosing a budget or a policy. Prompt-to-prompt mode only.",
        };
        var similarities = new Option<string?>("--similarities")
        {
            Description = "Also write the similarities the cache-on run's lookups met (LCBFU; measured requests) to this JSON file, "
                + "for `calibrate cache --traffic FILE`.",
        };
        var noLineage = new Option<bool>("--no-lineage-check")
        {
            Description = "Let a stored hit run serve requests by its own prompt alone, without checking the prompts its start latent came from.",
        };
        var adaptive = new Option<bool>("--adaptive-k")
        {
            Description = "Let the cache-on run's K table learn online from its hits' CLIP scores (serve --adaptive-k on); the eviction policies' accounting replays keep it fixed.",
        };
        var interleave = new Option<int>("--interleave")
        {
            Description = "The cache-off and cache-on replays alternate in segments of this many requests, so the machine's drift "
                + "falls on both alike; 0 plays one after the other.",
            DefaultValueFactory = _ => 100,
        };
        var command = new Command("cache", "Benchmark the approximate cache: replay the standard trace cache off and on, side by side.")
        {
            json, requests, budget, warmup, models, quick, concurrency, mode, seed, perUser, table, policiesOnly, similarities, noLineage, adaptive, interleave,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json)!, parse.GetValue(models)!, parse.GetValue(table), parse.GetValue(policiesOnly),
            parse.GetValue(similarities), new CacheBenchOptions
        {
            Requests = parse.GetValue(quick) && parse.GetResult(requests) is not { Implicit: false } ? 200 : parse.GetValue(requests),
            Budget = ByteSize.Parse(parse.GetValue(quick) && parse.GetResult(budget) is not { Implicit: false } ? "256KB" : parse.GetValue(budget)!),
            Steps = parse.GetValue(quick) ? 25 : 50,
            Warmup = parse.GetValue(warmup),
            Concurrency = parse.GetValue(concurrency),
            InterleaveRequests = parse.GetValue(interleave),
            Mode = parse.GetValue(mode) is { } name ? Diffusion.Cache.RetrievalModes.Parse(name) : null,
            TraceSeed = parse.GetValue(seed),
            PerUserTenants = parse.GetValue(perUser),
            CheckLineage = !parse.GetValue(noLineage),
            AdaptiveK = parse.GetValue(adaptive) ? new Diffusion.Cache.Adaptive.AdaptiveKOptions() : null,
        }, ct));
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string modelsDir, string? tablePath, bool policiesOnly, string? similaritiesPath,
        CacheBenchOptions options, CancellationToken cancellationToken)
    {
        try
        {
            options.Validate();
            var worldPath = Path.Combine(modelsDir, "world.json");
            var tables = tablePath is null ? KTableSet.LoadDefault() : KTableSet.Load(tablePath);
            using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
            using var judge = SceneJudge.Load(modelsDir, worldPath);
            options = options with { GuidanceScale = models.Folder.DefaultGuidanceScale };   // as served
            var bench = new CacheBench(new DiffusionPipeline(models), judge, EmojiWorld.Load(worldPath), tables, options, Console.Error);
            string json;
            TrafficSimilarities? lookups;
            if (policiesOnly)
            {
                var comparison = await bench.ComparePoliciesAsync(cancellationToken);
                CacheBenchTable.WritePolicies(comparison.Policies, Console.Out);
                json = CacheBenchReport.PoliciesToJson(comparison);
                lookups = comparison.Lookups;
            }
            else
            {
                var report = await bench.RunAsync(cancellationToken);
                CacheBenchTable.Write(report, Console.Out);
                json = report.ToJson();
                lookups = report.Lookups;
            }
            Console.Error.WriteLine($"wrote {await OutputFile.WriteTextAsync(jsonPath, json, cancellationToken)}");
            if (similaritiesPath is not null && lookups is not null)
            {
                Console.Error.WriteLine($"wrote {await OutputFile.WriteTextAsync(similaritiesPath, lookups.ToJson(), cancellationToken)}");
            }
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

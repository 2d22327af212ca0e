using System.CommandLine;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Cli.Cache;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Evaluation;
using Diffusion.Lab.Scoring;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>eval cache --json FILE --report DIR [--requests N] [--models DIR] [--results-md PATH] ...</c>: one generated trace
/// through eight systems side by side (none, exact, gptcache, nirvana, ours, fewer_steps, within_request, ours+within); writes the JSON,
/// plots in DIR, and docs/RESULTS.md.
/// </summary>
public static class EvalCacheCommand
{
    public static Command Create()
    {
        var json = new Option<string?>("--json") { Description = "Write the figures to this JSON file ({\"systems\": {\"none\": {...}, ...}, ...}); required unless --from-json." };
        var report = new Option<string>("--report") { Description = "Directory for the plots (steps saved vs quality, latency CDFs).", Required = true };
        var requests = new Option<int>("--requests")
        {
            Description = $"Requests of the generated trace, replayed through every system (default {CacheEvaluationOptions.DefaultRequests}: about 7 min on 2 free cores, 14 with one busy).",
            DefaultValueFactory = _ => CacheEvaluationOptions.DefaultRequests,
        };
        var models = new Option<string>("--models") { Description = "Model folder (with image_encoder/, judge/, world.json).", DefaultValueFactory = _ => "./models" };
        var resultsMd = new Option<string?>("--results-md") { Description = "Where to write the results page (default: docs/RESULTS.md of the repository)." };
        var budget = new Option<string>("--budget") { Description = "Byte budget of every caching system (latents on disk or 8-bit images).", DefaultValueFactory = _ => "512KB" };
        var warmup = new Option<double>("--warmup") { Description = "Leading share of the trace that only warms the caches.", DefaultValueFactory = _ => 0.2 };
        var steps = new Option<int>("--steps") { Description = "Denoising steps per request.", DefaultValueFactory = _ => 50 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once, batched step by step by the serving engine.", DefaultValueFactory = _ => 8 };
        var seed = new Option<long>("--seed") { Description = "Seed of the standard trace.", DefaultValueFactory = _ => 1 };
        var users = new Option<int?>("--users") { Description = "Distinct users of the trace (default: derived from the real logs; a trace under ~60 requests needs fewer)." };
        var threshold = new Option<double>("--gptcache-threshold") { Description = "CLIP text cosine at or above which gptcache reuses the nearest prompt's image.", DefaultValueFactory = _ => 0.95 };
        var table = new Option<string?>("--table") { Description = "A k-table.json for ours instead of the shipped one (its default mode is used)." };
        var reuse = new Option<float>("--reuse-threshold")
        {
            Description = "Within-request reuse threshold of within_request and ours+within (default: the one calibrate reuse chose, docs/reuse-calibration.md).",
            DefaultValueFactory = _ => CacheSystems.DefaultOutputReuse,
        };
        var fromJson = new Option<string?>("--from-json")
        {
            Description = "Write the results page again from an earlier run's JSON (the verdicts as this build words them), without generating; "
                + "the plots in --report are kept, since the JSON holds no per-request latencies.",
        };
        var command = new Command("cache", "Compare the caching systems on one trace: none, exact-match images, GPTCache-like nearest images, NIRVANA as published, ours, the same mean step count as ours without a cache (fewer_steps), within-request output reuse (within_request) and ours with it (ours+within).")
        {
            json, report, requests, models, resultsMd, budget, warmup, steps, concurrency, seed, users, threshold, table, reuse, fromJson,
        };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(fromJson) is { } recorded)
            {
                return RewritePageAsync(recorded, parse.GetValue(report)!, parse.GetValue(resultsMd), ct);
            }
            if (parse.GetValue(json) is null)
            {
                Console.Error.WriteLine("error: --json FILE is required (where the figures go), unless --from-json rewrites the page from a recorded run.");
                return Task.FromResult(1);
            }
            try
            {
                var options = new CacheEvaluationOptions
                {
                    Requests = parse.GetValue(requests),
                    Budget = ByteSize.Parse(parse.GetValue(budget)!),
                    Warmup = parse.GetValue(warmup),
                    Steps = parse.GetValue(steps),
                    Concurrency = parse.GetValue(concurrency),
                    TraceSeed = parse.GetValue(seed),
                    Users = parse.GetValue(users),
                    GptCacheThreshold = parse.GetValue(threshold),
                };
                return RunAsync(parse.GetValue(json)!, parse.GetValue(report)!, parse.GetValue(resultsMd), parse.GetValue(models)!, parse.GetValue(table),
                    parse.GetValue(reuse), options, ReproduceLine.Of(parse), ct);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string reportDir, string? resultsPath, string modelsDir, string? tablePath,
        float reuseThreshold, CacheEvaluationOptions options, string commandLine, CancellationToken cancellationToken)
    {
        try
        {
            options.Validate();
            resultsPath ??= DefaultResultsPath();
            var worldPath = Path.Combine(modelsDir, "world.json");
            var tables = tablePath is null ? KTableSet.LoadDefault() : KTableSet.Load(tablePath);
            using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
            using var judge = SceneJudge.Load(modelsDir, worldPath);
            options = options with { GuidanceScale = models.Folder.DefaultGuidanceScale };   // as served
            var systems = CacheSystems.Standard(tables, options.GptCacheThreshold, reuseThreshold);
            var evaluation = new CacheEvaluation(new DiffusionPipeline(models), judge, EmojiWorld.Load(worldPath), systems, options, Console.Error);
            var report = await evaluation.RunAsync(cancellationToken) with { CommandLine = commandLine };

            CacheEvaluationTable.Write(report, Console.Out);
            await OutputFile.WriteTextAsync(jsonPath, report.ToJson(), cancellationToken);
            var plots = EvaluationPlots.WriteAll(report, Path.GetFullPath(reportDir));
            var resultsFull = await WritePageAsync(report, plots, resultsPath, cancellationToken);
            Console.Error.WriteLine($"wrote {Path.GetFullPath(jsonPath)}, {string.Join(", ", plots)} and {resultsFull}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RewritePageAsync(string recordedPath, string reportDir, string? resultsPath, CancellationToken cancellationToken)
    {
        try
        {
            var report = CacheEvaluationReport.FromJson(await File.ReadAllTextAsync(recordedPath, cancellationToken), recordedPath);
            var plots = new[] { EvaluationPlots.TradeOffFile, EvaluationPlots.LatencyFile }.Select(f => Path.GetFullPath(Path.Combine(reportDir, f)));
            var written = await WritePageAsync(report, plots, resultsPath ?? DefaultResultsPath(), cancellationToken);
            Console.Error.WriteLine($"wrote {written} from {recordedPath}");
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<string> WritePageAsync(CacheEvaluationReport report, IEnumerable<string> plots, string resultsPath, CancellationToken cancellationToken)
    {
        var resultsFull = Path.GetFullPath(resultsPath);
        var links = plots.Select(p => Path.GetRelativePath(Path.GetDirectoryName(resultsFull)!, p)).ToArray();
        await OutputFile.WriteTextAsync(resultsFull, ResultsMarkdown.Write(report, links), cancellationToken);
        return resultsFull;
    }

    private static string DefaultResultsPath() => RepositoryRoot.Find() is { } root
        ? Path.Combine(root, "docs", "RESULTS.md")
        : throw new InvalidOperationException($"no repository ({RepositoryRoot.Marker}) above the working directory; give --results-md PATH.");
}

using System.CommandLine;
using Diffusion.Cache.Adaptive;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Evaluation.AdaptiveK;
using Diffusion.Lab.Scoring;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>eval adaptive-k --json FILE --report FILE</c>: the calibrated K table fixed against the same table learning online,
/// on a trace whose prompt mix shifts halfway; writes the JSON, the Markdown page and its plot beside it.
/// </summary>
public static class EvalAdaptiveKCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the figures to this JSON file.", Required = true };
        var fromJson = new Option<string?>("--from-json") { Description = "Write the page and plot of a recorded run (its JSON) again, without measuring." };
        var report = new Option<string>("--report") { Description = "Write the page to this Markdown file (e.g. docs/adaptive-k.md); the plot goes beside it (.png).", Required = true };
        var requests = new Option<int>("--requests")
        {
            Description = $"Requests of the shifting trace, half before the shift and half after (default {AdaptiveKEvaluationOptions.DefaultRequests}: about 10 min on 2 free cores).",
            DefaultValueFactory = _ => AdaptiveKEvaluationOptions.DefaultRequests,
        };
        var models = new Option<string>("--models") { Description = "Model folder (with image_encoder/, judge/, world.json).", DefaultValueFactory = _ => "./models" };
        var budget = new Option<string>("--budget") { Description = "Byte budget of both caches (latent files, LCBFU).", DefaultValueFactory = _ => "512KB" };
        var seed = new Option<long>("--seed") { Description = "Seed of the trace (its second half uses seed + 1).", DefaultValueFactory = _ => 1 };
        var table = new Option<string?>("--table") { Description = "A k-table.json to start from instead of the shipped one (its default mode is used)." };
        var defaults = new AdaptiveKOptions();
        var tolerance = new Option<double>("--tolerance") { Description = "CLIP-score drop a K may cost.", DefaultValueFactory = _ => defaults.Tolerance };
        var explore = new Option<double>("--explore-rate") { Description = "Share of hits that try the next larger K.", DefaultValueFactory = _ => defaults.ExploreRate };
        var control = new Option<double>("--control-rate") { Description = "Share of would-be hits run from noise as controls.", DefaultValueFactory = _ => defaults.ControlRate };
        var command = new Command("adaptive-k", "Measure online K adaptation: the fixed calibrated table against the same table learning from its hits' CLIP scores, on a trace whose prompt mix shifts halfway.")
        {
            json, report, requests, models, budget, seed, table, tolerance, explore, control, fromJson,
        };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(fromJson) is { } recorded)
            {
                return RewriteAsync(recorded, parse.GetValue(json)!, parse.GetValue(report)!, ct);
            }
            try
            {
                var options = new AdaptiveKEvaluationOptions
                {
                    Requests = parse.GetValue(requests),
                    Budget = ByteSize.Parse(parse.GetValue(budget)!),
                    TraceSeed = parse.GetValue(seed),
                    Adaptive = defaults with
                    {
                        Tolerance = parse.GetValue(tolerance),
                        ExploreRate = parse.GetValue(explore),
                        ControlRate = parse.GetValue(control),
                    },
                }.Validate();
                return RunAsync(parse.GetValue(json)!, parse.GetValue(report)!, parse.GetValue(models)!, parse.GetValue(table), options,
                    ReproduceLine.Of(parse), ct);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private static async Task<int> RewriteAsync(string recordedPath, string jsonPath, string reportPath, CancellationToken cancellationToken)
    {
        try
        {
            var result = AdaptiveKReport.FromJson(await File.ReadAllTextAsync(recordedPath, cancellationToken));
            await WriteAsync(result, jsonPath, reportPath, cancellationToken);
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {recordedPath}: {e.Message}");
            return 1;
        }
    }

    private static async Task WriteAsync(AdaptiveKReport result, string jsonPath, string reportPath, CancellationToken cancellationToken)
    {
        var reportFull = Path.GetFullPath(reportPath);
        var plotPath = Path.ChangeExtension(reportFull, ".png");
        await File.WriteAllBytesAsync(plotPath, AdaptiveKPlot.Render(result), cancellationToken);
        await OutputFile.WriteTextAsync(jsonPath, result.ToJson(), cancellationToken);
        await OutputFile.WriteTextAsync(reportFull, AdaptiveKMarkdown.Write(result, Path.GetFileName(plotPath)), cancellationToken);
        Console.Error.WriteLine($"wrote {Path.GetFullPath(jsonPath)}, {reportFull} and {plotPath}");
    }

    private static async Task<int> RunAsync(string jsonPath, string reportPath, string modelsDir, string? tablePath, AdaptiveKEvaluationOptions options,
        string commandLine, CancellationToken cancellationToken)
    {
        try
        {
            var worldPath = Path.Combine(modelsDir, "world.json");
            var tables = tablePath is null ? KTableSet.LoadDefault() : KTableSet.Load(tablePath);
            using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
            using var judge = SceneJudge.Load(modelsDir, worldPath);
            options = options with { GuidanceScale = models.Folder.DefaultGuidanceScale };   // as served
            var evaluation = new AdaptiveKEvaluation(new DiffusionPipeline(models), judge, EmojiWorld.Load(worldPath), tables, options, Console.Error);
            var result = await evaluation.RunAsync(cancellationToken) with { CommandLine = commandLine };

            await WriteAsync(result, jsonPath, reportPath, cancellationToken);
            foreach (var (system, phases) in result.Systems)
            {
                foreach (var (phase, f) in phases)
                {
                    Console.WriteLine($"{system,-9} {phase,-13} steps saved {f.StepsSaved:0.000}  CLIP drop {f.ClipDrop:+0.0000;-0.0000} (SE {f.ClipDropStandardError:0.0000})  judge drop {f.JudgeDrop:+0.000;-0.000}");
                }
            }
            Console.WriteLine($"learned: {result.LearnedAtEnd}; adaptive beats fixed after the shift: {(result.AdaptiveBeatsFixedAfterShift ? "yes" : "no")}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

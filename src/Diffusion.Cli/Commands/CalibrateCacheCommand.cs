using System.CommandLine;
using Diffusion.Cache;
using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Calibration;
using Diffusion.Lab.Scoring;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>calibrate cache [--models DIR] [--json FILE] [--pairs N]</c>: measures judge accuracy and distance to the full
/// run against CLIP similarity for each K, writes the similarity→K tables (k-table.json) and docs/cache-calibration.md
/// with the curves.
/// </summary>
public static class CalibrateCacheCommand
{
    public static Command Create()
    {
        var models = new Option<string>("--models") { Description = "Model folder (with image_encoder/, judge/, eval/heldout.jsonl, world.json).", DefaultValueFactory = _ => "./models" };
        var json = new Option<string?>("--json") { Description = "Also write every measured pair and bucket to this JSON file." };
        var pairs = new Option<int>("--pairs") { Description = "Source/target pairs to measure.", DefaultValueFactory = _ => 768 };
        var quick = new Option<bool>("--quick") { Description = "A short run (16 pairs, 20 steps) to check the plumbing; writes under data/calibration-quick/ unless --table/--doc are given." };
        var table = new Option<string>("--table") { Description = "Where to write the tables the service loads.", DefaultValueFactory = _ => "src/Diffusion.Cache/k-table.json" };
        var doc = new Option<string>("--doc") { Description = "Where to write the report (the plot goes beside it as .png).", DefaultValueFactory = _ => "docs/cache-calibration.md" };
        var tolerance = new Option<double>("--tolerance") { Description = "Judge accuracy a K may lose against the full run.", DefaultValueFactory = _ => 0.016 };
        var minPairs = new Option<int>("--min-pairs") { Description = "Pairs every threshold must rest on.", DefaultValueFactory = _ => 24 };
        var windowShare = new Option<double>("--window-share")
        {
            Description = "The least similar pairs above a threshold that must keep the tolerance on their own, as a share of the pairs.",
            DefaultValueFactory = _ => 0.25,
        };
        var windowPairs = new Option<int?>("--window-pairs") { Description = "The same window as a number of pairs (0: off); overrides --window-share." };
        var fromJson = new Option<string?>("--from-json")
        {
            Description = "Re-analyse the pairs an earlier run measured (its --json file) with this run's rule settings, without generating.",
        };
        var traffic = new Option<string?>("--traffic")
        {
            Description = "Weight the pairs to the similarities traffic's lookups meet (a file from `bench cache --similarities FILE`), "
                + "so the checks average over traffic's similarities instead of the pairs'.",
        };
        var command = new Command("cache", "Calibrate the cache's similarity→K table for the shipped CLIP (both retrieval modes) and choose the default mode.")
        {
            models, json, pairs, quick, table, doc, tolerance, minPairs, windowShare, windowPairs, fromJson, traffic,
        };
        command.SetAction((parse, ct) =>
        {
            var isQuick = parse.GetValue(quick);
            // a quick run never overwrites the committed table and report unless told to
            string Output(Option<string> option, string quickDefault) =>
                isQuick && parse.GetResult(option) is not { Implicit: false } ? quickDefault : parse.GetValue(option)!;
            return RunAsync(parse.GetValue(models)!, parse.GetValue(json), parse.GetValue(pairs), isQuick,
                Output(table, "data/calibration-quick/k-table.json"), Output(doc, "data/calibration-quick/cache-calibration.md"),
                parse.GetValue(tolerance), parse.GetValue(minPairs), parse.GetValue(windowShare), parse.GetValue(windowPairs), parse.GetValue(fromJson),
                parse.GetValue(traffic), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string modelsDir, string? jsonPath, int pairs, bool quick, string tablePath, string docPath, double tolerance, int minPairs,
        double windowShare, int? windowPairs, string? fromJson, string? trafficPath, CancellationToken cancellationToken)
    {
        try
        {
            var options = new CalibrationOptions
            {
                Pairs = quick ? 16 : pairs,
                Steps = quick ? 20 : 50,
                Tolerance = tolerance,
                MinPairs = quick ? 2 : minPairs,
                WindowShare = windowShare,
                WindowPairs = quick ? 4 : windowPairs,
                Traffic = trafficPath is null ? null : TrafficSimilarities.Load(trafficPath),
            }.Validate();
            var result = fromJson is null ? await MeasureAsync(modelsDir, options, cancellationToken) : Reanalyse(fromJson, options);

            var tables = result.ToTables();
            tables.Save(tablePath);
            var plotPath = Path.ChangeExtension(docPath, ".png");
            await OutputFile.WriteBytesAsync(plotPath, CalibrationPlot.Render(result.Modes), cancellationToken);
            await OutputFile.WriteTextAsync(docPath, result.ToMarkdown(Path.GetFileName(plotPath)), cancellationToken);
            if (jsonPath is not null)
            {
                await OutputFile.WriteTextAsync(jsonPath, result.ToJson(), cancellationToken);
            }

            foreach (var mode in result.Modes)
            {
                Console.WriteLine($"{mode.Mode.ToName(),-17} {mode.Table}   held-out: {mode.CrossValidatedStepsSaved:P1} steps saved, accuracy drop {mode.CrossValidatedAccuracyDrop:+0.000;-0.000;0.000}");
            }
            Console.WriteLine($"default: {result.Reason}");
            Console.WriteLine($"wrote {tablePath}, {docPath}, {plotPath}{(jsonPath is null ? "" : ", " + jsonPath)} ({result.Pairs.Count} pairs, {result.Elapsed.TotalMinutes:0.0} min)");
            if (quick)
            {
                Console.WriteLine("note: a --quick table rests on few pairs and short runs; rerun without --quick before committing it.");
            }
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<CalibrationResult> MeasureAsync(string modelsDir, CalibrationOptions options, CancellationToken cancellationToken)
    {
        var worldPath = Path.Combine(modelsDir, "world.json");
        var heldOut = HeldOutPrompt.Load(Path.Combine(modelsDir, "eval", "heldout.jsonl"));
        using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
        using var judge = SceneJudge.Load(modelsDir, worldPath);
        options = options with { GuidanceScale = models.Folder.DefaultGuidanceScale };   // as served
        return await new CacheCalibration(new DiffusionPipeline(models), judge, EmojiWorld.Load(worldPath), options, Console.Error).RunAsync(heldOut, cancellationToken);
    }

    private static CalibrationResult Reanalyse(string jsonPath, CalibrationOptions options)
    {
        var (model, pairs, elapsed) = CalibrationResult.ReadMeasured(jsonPath);
        Console.Error.WriteLine($"calibrate: re-analysing {pairs.Count} pairs measured on {model} ({jsonPath})");
        // the runs' own settings (steps, guidance) describe the measurements; only the rule settings are this run's
        using var measured = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        if (measured.RootElement.TryGetProperty("options", out var settings))
        {
            if (settings.TryGetProperty("GuidanceScale", out var g)) options = options with { GuidanceScale = g.GetSingle() };
            if (settings.TryGetProperty("Steps", out var n)) options = options with { Steps = n.GetInt32() };
        }
        return CacheCalibration.Decide(model, pairs, options with { Pairs = pairs.Count }, elapsed);
    }
}

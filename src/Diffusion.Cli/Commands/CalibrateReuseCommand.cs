using System.CommandLine;
using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Calibration;
using Diffusion.Lab.Scoring;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>calibrate reuse [--models DIR] [--prompts N] [--doc PATH]</c>: measures within-request output reuse at a range
/// of thresholds against full runs and writes docs/reuse-calibration.md (with .json and .png beside it). The chosen
/// threshold is what <c>eval cache</c>'s <c>within_request</c> and <c>ours+within</c> use by default.
/// </summary>
public static class CalibrateReuseCommand
{
    public static Command Create()
    {
        var models = new Option<string>("--models") { Description = "Model folder (with image_encoder/, judge/, eval/heldout.jsonl, world.json).", DefaultValueFactory = _ => "./models" };
        var prompts = new Option<int>("--prompts") { Description = "Held-out prompts (evenly spaced over the set), each run in full and at every threshold.", DefaultValueFactory = _ => 160 };
        var steps = new Option<int>("--steps") { Description = "Denoising steps of a run.", DefaultValueFactory = _ => 50 };
        var thresholds = new Option<string>("--thresholds") { Description = "Thresholds to measure, comma-separated.", DefaultValueFactory = _ => "0.02,0.05,0.1,0.15,0.2,0.3,0.4,0.6" };
        var tolerance = new Option<double>("--tolerance") { Description = "Judge accuracy a threshold may lose against the full runs.", DefaultValueFactory = _ => 0.016 };
        var clipDrop = new Option<double>("--clip-drop") { Description = "Relative CLIP score a threshold may lose against the full runs.", DefaultValueFactory = _ => 0.01 };
        var doc = new Option<string>("--doc") { Description = "Where to write the report (.json and .png go beside it).", DefaultValueFactory = _ => "docs/reuse-calibration.md" };
        var command = new Command("reuse", "Calibrate within-request output reuse (TeaCache-style): UNet calls saved and quality against full runs, per threshold.")
        {
            models, prompts, steps, thresholds, tolerance, clipDrop, doc,
        };
        command.SetAction((parse, ct) =>
        {
            try
            {
                var options = new ReuseCalibrationOptions
                {
                    Prompts = parse.GetValue(prompts),
                    Steps = parse.GetValue(steps),
                    Thresholds = NumberList.Parse<float>(parse.GetValue(thresholds)!, "--thresholds").Order().ToArray(),
                    Tolerance = parse.GetValue(tolerance),
                    ClipDrop = parse.GetValue(clipDrop),
                }.Validate();
                // the parse's tokens include the command's own words
                var commandLine = ReproduceLine.Of(parse);
                return RunAsync(parse.GetValue(models)!, options, parse.GetValue(doc)!, commandLine, ct);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string modelsDir, ReuseCalibrationOptions options, string docPath, string commandLine, CancellationToken cancellationToken)
    {
        try
        {
            var worldPath = Path.Combine(modelsDir, "world.json");
            var heldOut = HeldOutPrompt.Load(Path.Combine(modelsDir, "eval", "heldout.jsonl"));
            using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
            using var judge = SceneJudge.Load(modelsDir, worldPath);
            options = options with { GuidanceScale = models.Folder.DefaultGuidanceScale };   // as served
            var result = new ReuseCalibration(new DiffusionPipeline(models), judge, EmojiWorld.Load(worldPath), options, Console.Error)
                .Run(heldOut, cancellationToken);

            var plotPath = Path.ChangeExtension(docPath, ".png");
            await OutputFile.WriteBytesAsync(plotPath, result.RenderPlot(), cancellationToken);
            await OutputFile.WriteTextAsync(Path.ChangeExtension(docPath, ".json"), result.ToJson(), cancellationToken);
            await OutputFile.WriteTextAsync(docPath, result.ToMarkdown(Path.GetFileName(plotPath), commandLine), cancellationToken);
            Console.WriteLine($"chosen: {result.Reason}");
            Console.WriteLine($"wrote {docPath}, {plotPath} and {Path.ChangeExtension(docPath, ".json")} ({result.ElapsedMinutes:0.0} min)");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Cache.Embeddings;
using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Scoring;
using Diffusion.Lab.Traces.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Calibration;

/// <summary>
/// The whole calibration: held-out prompts → planned pairs → measured runs → per-mode tables and the better mode.
/// </summary>
public sealed class CacheCalibration(DiffusionPipeline pipeline, SceneJudge judge, EmojiWorld world, CalibrationOptions options, TextWriter? progress)
{
    public async Task<CalibrationResult> RunAsync(IReadOnlyList<HeldOutPrompt> heldOut, CancellationToken cancellationToken)
    {
        options.Validate();
        var watch = Stopwatch.StartNew();
        var parser = new CanonicalPromptParser(world);
        var parsed = new List<(EmojiScene Scene, string Prompt, int Index)>();
        foreach (var h in heldOut)
        {
            if (parser.TryParse(h.Prompt, out var scene))
            {
                parsed.Add((scene, h.Prompt, h.Index));
            }
        }
        if (parsed.Count < 2)
        {
            throw new InvalidDataException($"only {parsed.Count} of {heldOut.Count} held-out prompts are canonical; calibration needs at least two.");
        }
        progress?.WriteLine($"calibrate: {parsed.Count} held-out prompts, planning {options.Pairs} pairs");
        var embeddings = new List<float[]>();
        foreach (var chunk in parsed.Chunk(32))
        {
            embeddings.AddRange(pipeline.EncodePrompts(chunk.Select(p => p.Item2).ToArray()).Select(EmbeddingVectors.OfPrompt));
        }
        var pairs = PairPlanner.Plan(parsed, embeddings, new SceneEditor(new SceneSampler(world)), new CanonicalPromptWriter(world), options.Pairs,
            new TraceRandom(options.Seed));
        var measured = await new CalibrationRunner(pipeline, judge, options, progress).MeasureAsync(pairs, cancellationToken).ConfigureAwait(false);
        return Decide(ModelIdentity.Of(pipeline.Models.Folder), measured, options, watch.Elapsed);
    }

    /// <summary>Tables and the default mode from measured pairs (a fresh run's, or an earlier run's JSON re-analysed).</summary>
    public static CalibrationResult Decide(string modelId, IReadOnlyList<CalibrationPair> measured, CalibrationOptions options, TimeSpan elapsed)
    {
        options.Validate();
        var modes = CalibrationAnalysis.Analyse(measured, options);
        var (mode, reason) = CalibrationAnalysis.Choose(modes, options.Tolerance);
        return new CalibrationResult(modelId, options, measured, modes, mode, reason, elapsed);
    }
}

using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Cache.Embeddings;
using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Evaluation;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Calibration;

/// <summary>
/// <c>calibrate reuse</c>: the held-out prompts run in full and at each within-request reuse threshold, same seeds;
/// every threshold's images are scored against the full runs' (judge accuracy, CLIP score, distance, CLIP image
/// cosine). The threshold chosen is the largest one that, with every smaller one, keeps judge accuracy within
/// <see cref="ReuseCalibrationOptions.Tolerance"/> and CLIP score within <see cref="ReuseCalibrationOptions.ClipDrop"/>
/// of the full runs: the same accuracy tolerance the cache's K table keeps, and the cache's CLIP bar.
/// </summary>
public sealed class ReuseCalibration(DiffusionPipeline pipeline, SceneJudge judge, EmojiWorld world, ReuseCalibrationOptions options, TextWriter? progress)
{
    public ReuseCalibrationResult Run(IReadOnlyList<HeldOutPrompt> heldOut, CancellationToken cancellationToken)
    {
        options.Validate();
        var watch = Stopwatch.StartNew();
        var parser = new CanonicalPromptParser(world);
        var canonical = heldOut.Select(h => (Held: h, Scene: parser.TryParse(h.Prompt, out var scene) ? scene : null))
            .Where(p => p.Scene is not null).Select(p => (p.Held.Prompt, Scene: p.Scene!)).ToArray();
        // evenly spaced over the set, which is grouped by category: every category is measured, not only the first
        var count = Math.Min(options.Prompts, canonical.Length);
        var prompts = Enumerable.Range(0, count).Select(i => canonical[(int)((long)i * canonical.Length / count)]).ToArray();
        if (prompts.Length < 2)
        {
            throw new InvalidDataException($"only {prompts.Length} of {heldOut.Count} held-out prompts are canonical; the calibration needs at least two.");
        }
        progress?.WriteLine($"calibrate reuse: {prompts.Length} held-out prompts of every category, {options.Steps} steps, thresholds 0 (full) and {string.Join(", ", options.Thresholds)}");

        var full = Measure(prompts, 0, null, cancellationToken);
        var points = new List<ReusePoint>();
        foreach (var threshold in options.Thresholds)
        {
            points.Add(Measure(prompts, threshold, full, cancellationToken).Point);
            var p = points[^1];
            progress?.WriteLine($"calibrate reuse: {threshold:0.###}: calls saved {p.CallsSaved:0.000}, judge {p.JudgeAccuracy:0.000} (full {full.Point.JudgeAccuracy:0.000}), "
                + $"CLIP {p.ClipScore:0.0000} (full {full.Point.ClipScore:0.0000}), distance {p.DistanceToFull:0.0000}");
        }
        var (chosen, reason) = Choose(full.Point, points, options);
        return new ReuseCalibrationResult(ModelIdentity.Of(pipeline.Models.Folder), prompts.Length, options.Steps, options.Tolerance, options.ClipDrop,
            full.Point, points, chosen, reason, Math.Round(watch.Elapsed.TotalMinutes, 1));
    }

    /// <summary>
    /// The largest threshold whose point and every smaller threshold's keep both bars (a passing prefix: a threshold
    /// that fails stops the search even if a larger one passes by chance); null when the smallest fails.
    /// </summary>
    public static (float? Threshold, string Reason) Choose(ReusePoint full, IReadOnlyList<ReusePoint> points, ReuseCalibrationOptions options)
    {
        float? chosen = null;
        foreach (var point in points.OrderBy(p => p.Threshold))
        {
            var accuracyDrop = full.JudgeAccuracy - point.JudgeAccuracy;
            var clipDrop = 1 - point.ClipScore / full.ClipScore;
            if (accuracyDrop > options.Tolerance || clipDrop > options.ClipDrop)
            {
                return (chosen, chosen is { } t
                    ? $"{t:0.###}: the largest threshold within the bars; {point.Threshold:0.###} loses {accuracyDrop:0.000} judge accuracy and {clipDrop:P2} CLIP score"
                    : $"none: the smallest threshold, {point.Threshold:0.###}, already loses {accuracyDrop:0.000} judge accuracy and {clipDrop:P2} CLIP score");
            }
            chosen = point.Threshold;
        }
        return (chosen, chosen is { } last ? $"{last:0.###}: every threshold measured keeps the bars (the largest measured)" : "none: no threshold measured");
    }

    private sealed record Measured(ReusePoint Point, float[][] Images, float[][] Embeddings);

    private Measured Measure((string Prompt, EmojiScene Scene)[] prompts, float threshold, Measured? full, CancellationToken cancellationToken)
    {
        var images = new float[prompts.Length][];
        var textEmbeddings = new float[prompts.Length][];
        long reused = 0;
        for (var i = 0; i < prompts.Length; i++)
        {
            var result = pipeline.Generate(new GenerationRequest
            {
                Prompt = prompts[i].Prompt,
                Seed = (ulong)i,
                Steps = options.Steps,
                GuidanceScale = options.GuidanceScale,
                OutputReuseThreshold = threshold,
            }, hooks: null, cancellationToken);
            images[i] = result.Images.Image(0).ToArray();
            textEmbeddings[i] = EmbeddingVectors.OfPrompt(result.Prompt);
            reused += result.Denoise.ReusedSteps;
        }

        var height = pipeline.Models.ImageHeight;
        var width = pipeline.Models.ImageWidth;
        var flat = images.SelectMany(i => i).ToArray();
        var raw = pipeline.EncodeImages(flat, images.Length, height, width)
            ?? throw new InvalidOperationException("the model folder has no image_encoder/; the reuse calibration needs CLIP image embeddings.");
        var size = raw.Length / images.Length;
        var embeddings = Enumerable.Range(0, images.Length).Select(i => raw.AsSpan(i * size, size).ToArray()).ToArray();
        var checks = judge.Score(flat, prompts.Select(p => (p.Scene, p.Prompt)).ToArray());
        var passed = checks.Sum(c => c.Values.Count(v => v));
        var total = checks.Sum(c => c.Count);
        var point = new ReusePoint(threshold,
            CallsSaved: (double)reused / (prompts.Length * options.Steps),
            JudgeAccuracy: total == 0 ? double.NaN : (double)passed / total,
            ClipScore: Enumerable.Range(0, images.Length).Average(i => EmbeddingVectors.Cosine(textEmbeddings[i], embeddings[i])),
            DistanceToFull: full is null ? 0 : Enumerable.Range(0, images.Length).Average(i => ImagePixels.MeanAbsoluteDistance(images[i], full.Images[i])),
            ClipImageCosineToFull: full is null ? 1 : Enumerable.Range(0, images.Length).Average(i => EmbeddingVectors.Cosine(embeddings[i], full.Embeddings[i])),
            JudgeChecks: total);
        return new Measured(point, images, embeddings);
    }
}

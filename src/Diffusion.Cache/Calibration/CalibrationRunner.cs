using System.Diagnostics;
using Diffusion.Cache.Denoising;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Policy;
using Diffusion.Cache.Scoring;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Calibration;

/// <summary>
/// Measures planned pairs: for each, the source's full run (capturing its latents at the cache steps), the
/// target's full run with the same seed, and the target run from the source's latent at every K. Then the
/// judge scores the target images, and CLIP image embeddings give the prompt→image similarity (target text
/// vs source image) and each K run's closeness to the target's full run. All runs share iteration-level
/// batches (<see cref="IterationBatcher"/>).
/// </summary>
public sealed class CalibrationRunner
{
    private readonly DiffusionPipeline _pipeline;
    private readonly SceneJudge _judge;
    private readonly CalibrationOptions _options;
    private readonly TextWriter? _progress;

    public CalibrationRunner(DiffusionPipeline pipeline, SceneJudge judge, CalibrationOptions options, TextWriter? progress)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        _options = options.Validate();
        _progress = progress;
        if (pipeline.Models.ImageEncoder is null)
        {
            throw new InvalidOperationException($"calibration needs the CLIP image encoder (image_encoder/), which {pipeline.Models.Folder.Root} lacks.");
        }
    }

    private enum Role
    {
        Source,
        TargetFull,
        TargetFromSource,
    }

    private sealed record Tag(int Pair, Role Role, int K);

    public IReadOnlyList<CalibrationPair> Measure(IReadOnlyList<PlannedPair> pairs, CancellationToken cancellationToken)
    {
        var points = new CachePoints(_options.CachePoints, 50);
        var scaled = points.ReferenceKs.ToDictionary(k => k, k => points.Scale(k, _options.Steps));
        var captureSteps = scaled.Values.ToHashSet();
        var negative = _pipeline.EncodePrompt("");
        var prompts = EncodeAll(pairs.SelectMany(p => new[] { p.Source, p.Target }).Distinct().ToArray());

        var sourceLatents = new Dictionary<int, Dictionary<int, float[]>>();
        var images = new Dictionary<Tag, float[]>();
        var queue = new Queue<DenoiseJob>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = i;
            sourceLatents[pair] = [];
            queue.Enqueue(Job(pairs[i].Source, pairs[i].Seed, 0, null, new Tag(pair, Role.Source, 0), captureSteps,
                c => sourceLatents[pair][c.Step] = c.Latents));
            queue.Enqueue(Job(pairs[i].Target, pairs[i].Seed, 0, null, new Tag(pair, Role.TargetFull, 0), null, null));
        }
        var total = pairs.Count * (2 + scaled.Count);
        var batcher = new IterationBatcher(_pipeline.Models.Unet, _options.BatchRows);
        var watch = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (queue.Count > 0 || batcher.Active.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (queue.Count > 0 && batcher.Fits(queue.Peek()))
            {
                batcher.Add(queue.Dequeue());
            }
            var finished = batcher.Step();
            if (finished.Count == 0)
            {
                continue;
            }
            var decoded = Decode(finished);
            for (var f = 0; f < finished.Count; f++)
            {
                var tag = (Tag)finished[f].Tag!;
                images[tag] = decoded[f];
                if (tag.Role == Role.Source)
                {
                    var pair = pairs[tag.Pair];
                    foreach (var (reference, step) in scaled)
                    {
                        queue.Enqueue(Job(pair.Target, pair.Seed, step, sourceLatents[tag.Pair][step], new Tag(tag.Pair, Role.TargetFromSource, reference), null, null));
                    }
                    sourceLatents.Remove(tag.Pair);
                }
            }
            if (_progress is not null && watch.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = watch.Elapsed;
                _progress.WriteLine($"calibrate: {images.Count}/{total} runs done, {watch.Elapsed.TotalMinutes:0.0} min");
            }
        }
        _progress?.WriteLine($"calibrate: {total} runs in {watch.Elapsed.TotalMinutes:0.0} min; judging and embedding images");
        return Score(pairs, prompts, images, scaled.Keys.ToArray());

        DenoiseJob Job(string prompt, ulong seed, int start, float[]? startLatent, Tag tag, IReadOnlySet<int>? capture, Action<LatentCapture>? onCapture)
        {
            var request = new GenerationRequest
            {
                Prompt = prompt,
                Seed = seed,
                Steps = _options.Steps,
                GuidanceScale = _options.GuidanceScale,
                Scheduler = _options.Scheduler,
                StartStep = start,
                StartLatent = startLatent,
                CaptureSteps = capture,
            };
            return DenoiseJobs.ForRequest(_pipeline, request, prompts[prompt], negative, onCapture, tag);
        }
    }

    private IReadOnlyList<CalibrationPair> Score(IReadOnlyList<PlannedPair> pairs, Dictionary<string, PromptEmbedding> prompts,
        Dictionary<Tag, float[]> images, int[] ks)
    {
        var height = _pipeline.Models.ImageHeight;
        var width = _pipeline.Models.ImageWidth;
        var keys = images.Keys.ToArray();
        var embeddings = new Dictionary<Tag, float[]>();
        foreach (var chunk in keys.Chunk(64))
        {
            var flat = chunk.SelectMany(k => images[k]).ToArray();
            var raw = _pipeline.EncodeImages(flat, chunk.Length, height, width)!;
            var size = raw.Length / chunk.Length;
            for (var i = 0; i < chunk.Length; i++)
            {
                embeddings[chunk[i]] = EmbeddingVectors.Normalize(raw.AsSpan(i * size, size));
            }
        }
        var judged = keys.Where(k => k.Role != Role.Source).ToArray();
        var checks = new Dictionary<Tag, IReadOnlyDictionary<string, bool>>();
        foreach (var chunk in judged.Chunk(64))
        {
            var flat = chunk.SelectMany(k => images[k]).ToArray();
            var scored = _judge.Score(flat, chunk.Select(k => (pairs[k.Pair].TargetScene, pairs[k.Pair].Target)).ToArray());
            for (var i = 0; i < chunk.Length; i++)
            {
                checks[chunk[i]] = scored[i];
            }
        }

        var result = new List<CalibrationPair>(pairs.Count);
        for (var p = 0; p < pairs.Count; p++)
        {
            var pair = pairs[p];
            var source = EmbeddingVectors.OfPrompt(prompts[pair.Source]);
            var target = EmbeddingVectors.OfPrompt(prompts[pair.Target]);
            var full = new Tag(p, Role.TargetFull, 0);
            var fullChecks = checks[full];
            var byK = ks.Select(k =>
            {
                var run = new Tag(p, Role.TargetFromSource, k);
                return new KOutcome(k, checks[run].Values.Count(ok => ok), checks[run].Count,
                    MeanAbsoluteDifference(images[run], images[full]) / 2,  // [-1,1] pixels → [0,1] units
                    EmbeddingVectors.Cosine(embeddings[run], embeddings[full]));
            }).ToArray();
            result.Add(new CalibrationPair(pair.Source, pair.Target, pair.Relation, pair.Seed,
                EmbeddingVectors.Cosine(source, target),
                target.Length == embeddings[new Tag(p, Role.Source, 0)].Length ? EmbeddingVectors.Cosine(target, embeddings[new Tag(p, Role.Source, 0)]) : double.NaN,
                fullChecks.Values.Count(ok => ok), fullChecks.Count, byK));
        }
        return result;
    }

    private Dictionary<string, PromptEmbedding> EncodeAll(string[] prompts)
    {
        var result = new Dictionary<string, PromptEmbedding>(StringComparer.Ordinal);
        foreach (var chunk in prompts.Chunk(32))
        {
            var encoded = _pipeline.EncodePrompts(chunk);
            for (var i = 0; i < chunk.Length; i++)
            {
                result[chunk[i]] = encoded[i];
            }
        }
        return result;
    }

    private float[][] Decode(IReadOnlyList<DenoiseJob> jobs)
    {
        var flat = jobs.SelectMany(j => j.Latent).ToArray();
        var decoded = _pipeline.DecodeLatents(flat, jobs.Count);
        return Enumerable.Range(0, jobs.Count).Select(i => decoded.Image(i).ToArray()).ToArray();
    }

    private static double MeanAbsoluteDifference(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            // the images as shown: clamped to the displayable range
            sum += Math.Abs(Math.Clamp(a[i], -1f, 1f) - Math.Clamp(b[i], -1f, 1f));
        }
        return sum / a.Length;
    }
}
